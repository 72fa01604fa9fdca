/**
 * The live SN96 rules as a CompetitionRules: the commitment codec, the day's eval set (the
 * head of the public eval repo's main branch), and the eligibility of a submission, which
 * `flock-miner submit` checks before uploading exactly as the validator checks it after.
 * The daily cycle, duplicates, winner and weight timing are run by the validator's daily
 * program (lib/validator/daily/), calling the functions of this folder.
 */
import { datasetRepo, HubNotFoundError, type DatasetLocation, type HubCache, type PinnedFile } from '../../hub/index.js'
import type { CompetitionRules } from '../rules.js'
import { phaseAt, submissionCompetitionId, submissionWindow } from './clock.js'
import { formatS1Commitment, parseS1Commitment } from './codec.js'
import { EVAL_SET_BRANCH, EVAL_SET_REPO, SELECTION_SIZE } from './constants.js'
import { FLOCK_OFF_S1 } from './config.js'
import { publishLocalS1EvalSet } from './local.js'
import { checkSelection, readRawRows, readSelection } from './selection.js'

/** The day's eval set: the file the eval repo's branch head holds (data.jsonl, else its only .jsonl), pinned to that commit. */
export async function resolveS1EvalSet(cache: HubCache, signal?: AbortSignal, repo = EVAL_SET_REPO, branch = EVAL_SET_BRANCH): Promise<PinnedFile> {
  const sha = await cache.hub.resolveRevision(datasetRepo(repo), branch, signal)
  const files = await cache.hub.listFiles(datasetRepo(repo), sha, signal)
  const jsonl = files.filter((f) => f.path.endsWith('.jsonl'))
  const file = jsonl.find((f) => f.path === 'data.jsonl') ?? (jsonl.length === 1 ? jsonl[0] : undefined)
  if (!file) throw new HubNotFoundError(`no data.jsonl and ${jsonl.length} other .jsonl files in the eval set`, { repo: `datasets/${repo}`, sha })
  return { repo, revision: sha, file: file.path }
}

export const flockOffS1Rules: CompetitionRules = {
  name: FLOCK_OFF_S1,
  evalSetPinned: false,
  selectionSize: SELECTION_SIZE,
  cycle: 'daily-utc',
  commitment: {
    form: '<namespace>:<competition id YYYYMMDD>:<commit>',
    format: ({ repo, sha, at }) => formatS1Commitment(repo, submissionCompetitionId(at), sha),
    parse: parseS1Commitment,
    async committedContent(text, contentHash, _hotkey, contentHashOf) {
      const parsed = parseS1Commitment(text)
      if (!parsed.ok) return null
      return (await contentHashOf(parsed.commitment)) === contentHash ? parsed.commitment : null
    },
  },
  evalSet: (_config, cache, signal) => resolveS1EvalSet(cache, signal),
  async checkSubmission({ datasetPath, evalPath, at, signal }) {
    const opt = signal ? { signal } : {}
    const [selection, evalRows] = await Promise.all([readSelection(datasetPath, opt), evalPath().then((p) => readRawRows(p, opt))])
    const check = checkSelection(selection.keys, new Set(evalRows.keys))
    if (!check.ok) return { ok: false, reason: `not eligible under ${FLOCK_OFF_S1}: ${check.reason}` }
    const notes: string[] = []
    if (phaseAt(at) !== 'submission') {
      const id = submissionCompetitionId(at)
      const { opens, closes } = submissionWindow(id)
      notes.push(`validators record commitments only from ${opens.toISOString()} to ${closes.toISOString()} (competition ${id}); this one counts there, scored against that day's eval set`)
    }
    return { ok: true, notes }
  },
  prepareLocal: publishLocalS1EvalSet,
}

/** Reads a committed dataset's location at the sha its revision names now (for codecs whose revision may be a branch or a short sha). */
export async function resolveCommittedDataset(cache: HubCache, c: DatasetLocation, signal?: AbortSignal): Promise<DatasetLocation> {
  return { repo: c.repo, revision: await cache.hub.resolveRevision(datasetRepo(c.repo), c.revision, signal) }
}
