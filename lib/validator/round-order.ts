/**
 * Which miners a round evaluates, in order:
 *   1. new or changed commitments (never evaluated in any context), and unfinished ones
 *      (a retryable failure, a run cut short), oldest commitment first;
 *   2. the strongest of those evaluated only under an older context (a new eval set or
 *      config): lowest previous loss first;
 *   3. a sample of the rest of those, drawn with a seed from a block hash every
 *      validator sees, so validators evaluate the same miners.
 * Finished commitments are never queued again.
 */
import { SeededRandom } from '../util/seeded-random.js'
import type { Candidate } from './candidates.js'
import type { MinerResult } from './store/index.js'

export type QueueTier = 'new' | 'strongest' | 'sample'

export interface QueueItem {
  candidate: Candidate
  tier: QueueTier
  /** The current context's unfinished result, when there is one. */
  previous: MinerResult | undefined
}

export interface QueueInput {
  /** Candidates that can be evaluated (no problem). */
  candidates: readonly Candidate[]
  /** The current context's result for a candidate. */
  current(c: Candidate): MinerResult | undefined
  /** Whether a result counts as finished (see finished.ts). */
  isFinished(r: MinerResult): boolean
  /** Results for this commitment under other contexts. */
  older(c: Candidate): readonly MinerResult[]
  /** 0x block hash the sample is drawn from. */
  seed: string
  strongest: number
  sample: number
}

export function buildQueue(q: QueueInput): QueueItem[] {
  const pending: QueueItem[] = []
  const stale: Array<{ c: Candidate; loss: number }> = []
  for (const c of q.candidates) {
    const cur = q.current(c)
    if (cur && q.isFinished(cur)) continue
    const older = q.older(c)
    if (cur || older.length === 0) {
      pending.push({ candidate: c, tier: 'new', previous: cur })
      continue
    }
    const losses = older.map((r) => r.loss).filter((l): l is number => l !== null && Number.isFinite(l))
    stale.push({ c, loss: losses.length ? Math.min(...losses) : Number.POSITIVE_INFINITY })
  }
  pending.sort((a, b) => (a.previous?.attempts ?? 0) - (b.previous?.attempts ?? 0) || a.candidate.commitBlock - b.candidate.commitBlock || a.candidate.uid - b.candidate.uid)
  stale.sort((a, b) => a.loss - b.loss || a.c.uid - b.c.uid)
  const strongest = stale.slice(0, q.strongest).map(({ c }) => ({ candidate: c, tier: 'strongest' as const, previous: undefined }))
  const rest = stale.slice(q.strongest).map((s) => s.c).sort((a, b) => a.uid - b.uid)
  const rng = new SeededRandom(q.seed, 'validator-queue-sample')
  // partial Fisher-Yates: the first `sample` entries become a uniform sample
  for (let i = 0; i < Math.min(q.sample, rest.length); i++) {
    const j = i + rng.int(rest.length - i)
    ;[rest[i], rest[j]] = [rest[j]!, rest[i]!]
  }
  const sampled = rest.slice(0, q.sample).map((c) => ({ candidate: c, tier: 'sample' as const, previous: undefined }))
  return [...pending, ...strongest, ...sampled]
}
