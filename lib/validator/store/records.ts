/** What the validator's store keeps: per-commitment results, evaluation starts, the smoothed weights. */
import type { IneligibleCode } from '../../scoring/index.js'

export type EvalStatus = 'scored' | IneligibleCode

export interface MinerResult {
  /** Identifies (evaluation context, hotkey, commitment block, commitment text). */
  key: string
  /** Hash of what the loss depends on besides the dataset: competition config and eval set. */
  context: string
  hotkey: string
  uid: number
  commitBlock: number
  commitment: string | null
  status: EvalStatus
  /** 'scored', or why the miner is ineligible, in words. */
  reason: string
  /** A final result is never evaluated again for this key; a non-final one is retried. */
  final: boolean
  /** Evaluation attempts for this key so far, this one included. */
  attempts: number
  loss: number | null
  /** Canonical dataset content hash (duplicates). */
  contentHash: string | null
  /** sha256 of the downloaded file (what the commitment's proof binds). */
  fileSha256: string | null
  proofValid: boolean | null
  /** For a duplicate that was not evaluated: the earlier commitment it copies. */
  duplicateOf: { hotkey: string; commitBlock: number } | null
  seconds: number | null
  at: string
}

export interface WeightsRecord {
  /** The validator's epoch index the weights were computed in. */
  epoch: number
  block: number
  /** The smoothed weights before this epoch's step (so a step redone after a restart gives the same result). */
  base: Array<{ uid: number; hotkey: string; weight: number }>
  /** The smoothed weights; `hotkey` ties each uid to its owner at the time. */
  weights: Array<{ uid: number; hotkey: string; weight: number }>
  /** How they reached the chain, or null when they could not be sent. */
  sent: { mode: 'set' | 'commit'; block: number } | null
}

export type JournalEntry =
  | { seq: number; type: 'started'; key: string; at: string }
  | { seq: number; type: 'result'; result: MinerResult }
  | { seq: number; type: 'abandoned'; key: string; reason: string; at: string }
  | { seq: number; type: 'weights'; weights: WeightsRecord }

export interface StoreState {
  lastSeq: number
  results: Record<string, MinerResult>
  /** Evaluations started per key, across restarts. */
  starts: Record<string, number>
  /** Evaluations abandoned (the validator was stopped) per key. */
  abandoned: Record<string, number>
  weights: WeightsRecord | null
}

export const emptyState = (): StoreState => ({ lastSeq: 0, results: {}, starts: {}, abandoned: {}, weights: null })

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A journal line as an entry, or null when it is not one this version wrote. */
export function asEntry(v: unknown): JournalEntry | null {
  if (!isObj(v) || !Number.isSafeInteger(v.seq) || (v.seq as number) < 1) return null
  switch (v.type) {
    case 'started':
      return typeof v.key === 'string' ? (v as unknown as JournalEntry) : null
    case 'abandoned':
      return typeof v.key === 'string' && typeof v.reason === 'string' ? (v as unknown as JournalEntry) : null
    case 'result':
      return isObj(v.result) && typeof v.result.key === 'string' && typeof v.result.status === 'string' && typeof v.result.final === 'boolean'
        ? (v as unknown as JournalEntry)
        : null
    case 'weights':
      return isObj(v.weights) && Array.isArray(v.weights.weights) ? (v as unknown as JournalEntry) : null
    default:
      return null
  }
}

/** Applies one entry to the state (entries at or below lastSeq were already applied). */
export function applyEntry(state: StoreState, e: JournalEntry): void {
  if (e.seq <= state.lastSeq) return
  state.lastSeq = e.seq
  if (e.type === 'started') state.starts[e.key] = (state.starts[e.key] ?? 0) + 1
  else if (e.type === 'abandoned') state.abandoned[e.key] = (state.abandoned[e.key] ?? 0) + 1
  else if (e.type === 'result') state.results[e.result.key] = e.result
  else if (e.type === 'weights') state.weights = e.weights
}
