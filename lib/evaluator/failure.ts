/**
 * The failure policy, in one place, for every way an evaluation runs (the validator's
 * pre-checks, the in-process evaluator, the queue's workers): which failures are a
 * property of the dataset (decided at once, never retried), which may pass on another
 * attempt or another machine (retried), and how many attempts a job gets.
 */
import { DatasetError } from '../dataset/index.js'
import { InvalidArgumentError, NumericError } from '../errors.js'
import type { IneligibleCode } from '../scoring/index.js'
import { HubError, isTransientHubError } from '../hub/index.js'

/** What kind of failure ended a job: the validator records it as the miner's ineligibility code. */
export type FailureCode = Extract<IneligibleCode, 'download-failed' | 'invalid-dataset' | 'training-failed' | 'timeout'>

export interface FailureVerdict {
  /** True when another attempt could succeed. */
  retry: boolean
  code: FailureCode
  /** One line, safe to store and show (no secrets: hub errors are already redacted). */
  reason: string
}

/** Attempts a failure that may pass gets before it is final (a job's attempts, a pre-check's rounds). */
export const MAX_ATTEMPTS = 3
/** Wait before the first retry of a job; doubled for each later one. */
export const RETRY_BACKOFF_MS = 30_000

/** The first line (a native or JS stack stays out of stored reasons), bounded. */
function firstLine(text: string, max = 500): string {
  const line = text.split('\n')[0] ?? ''
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/**
 * The verdict on one failed attempt. `timedOut` says the attempt's time budget ran out
 * (the error is then whatever the cancelled step threw): it may pass on a less busy machine.
 */
export function classifyFailure(err: unknown, timedOut?: { budgetMs: number }): FailureVerdict {
  if (timedOut) return { retry: true, code: 'timeout', reason: `the evaluation took longer than its budget of ${Math.round(timedOut.budgetMs / 1000)} s` }
  if (err instanceof DatasetError) {
    const shown = err.issues.slice(0, 3).map((i) => i.message).join('; ')
    return { retry: false, code: 'invalid-dataset', reason: firstLine(`${err.issues.length}${err.issuesTruncated ? '+' : ''} problem(s): ${shown}${err.issues.length > 3 ? '; …' : ''}`) }
  }
  // The hub client's own rule (lib/hub/retry.ts): an outage, a rate limit, a timeout or a cut
  // body may pass; a refusal of what the commitment names (missing, private, over the cap,
  // malformed) or a hostile answer will not.
  if (err instanceof HubError) return { retry: isTransientHubError(err), code: 'download-failed', reason: firstLine(`${err.code}: ${err.message}`) }
  // Deterministic for the same dataset, config and seed: another attempt gives the same answer.
  if (err instanceof InvalidArgumentError || err instanceof NumericError) return { retry: false, code: 'training-failed', reason: firstLine(`${err.code}: ${err.message}`) }
  if (err instanceof Error) return { retry: true, code: 'training-failed', reason: firstLine(`${'code' in err && typeof err.code === 'string' ? err.code : err.name}: ${err.message}`) }
  return { retry: true, code: 'training-failed', reason: firstLine(String(err)) }
}
