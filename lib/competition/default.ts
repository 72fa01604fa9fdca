/**
 * The default competition's rules: the commitment `repo:sha:proof` whose proof binds the
 * dataset's content to the hotkey (lib/chain/commitment.ts), any valid chat dataset, a round
 * per epoch scored by the config's scheme (lib/scoring), weights once per epoch.
 */
import { commitmentOfContent, formatCommitment, parseCommitment } from '../chain/index.js'
import type { CompetitionRules } from './rules.js'

export const defaultRules: CompetitionRules = {
  name: 'default',
  evalSetPinned: true,
  selectionSize: null,
  cycle: 'epoch',
  commitment: {
    form: '<hf repo id>:<40-hex commit sha>:<proof>',
    format: ({ repo, sha, contentHash, hotkey }) => formatCommitment(repo, sha, contentHash, hotkey),
    parse: parseCommitment,
    committedContent: async (text, contentHash, hotkey) => commitmentOfContent(text, contentHash, hotkey),
  },
  evalSet: async (config) => config.evalSet,
  checkSubmission: async () => ({ ok: true as const, notes: [] }),
  prepareLocal: async () => undefined,
}
