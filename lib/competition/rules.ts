/**
 * A competition is its config (what a training run is) and its rules (what a commitment
 * says, which datasets may compete, how the winners are chosen and when weights go out).
 * The validator and the miner are parameterized by the rules; two implementations exist:
 * the default competition's (default.ts: `repo:sha:proof`, pairwise win rates, a round per
 * epoch) and the live SN96 rules (flock-off-s1/rules.ts: `namespace:competition_id:commit`,
 * eval-set selections, a daily UTC cycle). Each rule is one function both sides call.
 */
import type { CommitmentParse, DatasetCommitment } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import type { Hub, HubCache, PinnedFile } from '../hub/index.js'

export interface CommitmentRules {
  /** How commitments are written and read, for the README and messages. */
  readonly form: string
  /** The string a miner commits for a dataset uploaded at `sha`, at time `at`. */
  format(f: { repo: string; sha: string; contentHash: string; hotkey: string; at: Date }): string
  /** Reads a commitment from chain; never throws (chain data is untrusted). */
  parse(text: string | null): CommitmentParse
  /**
   * The hotkey's commitment in `text` when it already commits this content, so committing
   * again would only move it to a later block; null otherwise. `contentHashOf` reads a
   * committed dataset's content hash from the hub, for codecs that carry no proof of it.
   */
  committedContent(text: string | null, contentHash: string, hotkey: string, contentHashOf: (c: DatasetCommitment) => Promise<string | null>): Promise<DatasetCommitment | null>
}

export type SubmissionCheck = { ok: true; notes: string[] } | { ok: false; reason: string }

export interface CompetitionRules {
  readonly name: string
  /** Which validator program runs these rules (lib/validator/programs.ts). */
  readonly cycle: 'epoch' | 'daily-utc'
  readonly commitment: CommitmentRules
  /**
   * Whether the eval set is fixed for the life of the config (pinned in it, or the --local
   * network's eval.jsonl): then queue workers may load it once. flock-off-s1's changes daily.
   */
  readonly evalSetPinned: boolean
  /** Miners submit this many rows chosen from the eval set (flock-off-s1: 100); null when they bring their own data. */
  readonly selectionSize: number | null
  /** The eval set to score with now: the config's pinned one, or (flock-off-s1) the head of a branch, resolved on the hub. */
  evalSet(config: CompetitionConfig, cache: HubCache, signal?: AbortSignal): Promise<PinnedFile | null>
  /**
   * Whether a valid dataset may be submitted as it is, before anything is uploaded (flock-off-s1:
   * its selection must be rows of the eval set). The validator applies the same check.
   */
  checkSubmission(i: { datasetPath: string; evalPath: () => Promise<string>; at: Date; signal?: AbortSignal }): Promise<SubmissionCheck>
  /** What a --local network needs on its hub beyond lib/local-subnet's files (flock-off-s1: its eval set repo). */
  prepareLocal(hub: Hub): Promise<void>
}
