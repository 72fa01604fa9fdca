/**
 * Which failures are a property of the dataset (decided at once, never retried) and which
 * may pass on another attempt or another machine (retried, bounded).
 */
import { DatasetError } from '../dataset/index.js'
import { CancelledError, InvalidArgumentError, NumericError } from '../errors.js'
import type { IneligibleCode } from '../scoring/index.js'
import {
  HubAuthError,
  HubError,
  HubFileTooLargeError,
  HubIntegrityError,
  HubNotFoundError,
  HubRepoIdError,
  HubRequestError,
  HubRevisionError,
  HubUnsafePathError,
} from '../hub/index.js'

/** What kind of failure ended a job: the validator records it as the miner's ineligibility code. */
export type FailureCode = Extract<IneligibleCode, 'download-failed' | 'invalid-dataset' | 'training-failed' | 'timeout'>

export interface FailureVerdict {
  /** True when another attempt could succeed. */
  retry: boolean
  code: FailureCode
  /** One line, safe to store and show (no secrets: hub errors are already redacted). */
  reason: string
}

// The download was refused for what the commitment names: a missing repo, file or commit,
// a malformed repo id, sha or path, a file over the size cap, a gated or private repo, or
// bytes that do not match what the hub announced.
const REFUSALS = [
  HubNotFoundError, HubRevisionError, HubRepoIdError, HubUnsafePathError, HubFileTooLargeError,
  HubIntegrityError, HubAuthError, HubRequestError,
]

function firstLine(text: string, max = 500): string {
  const line = text.split('\n')[0] ?? ''
  return line.length > max ? `${line.slice(0, max - 3)}...` : line
}

export function classifyFailure(err: unknown): FailureVerdict {
  if (err instanceof DatasetError) {
    const shown = err.issues.slice(0, 3).map((i) => i.message).join('; ')
    return { retry: false, code: 'invalid-dataset', reason: firstLine(`dataset: ${err.issues.length}${err.issuesTruncated ? '+' : ''} problem(s): ${shown}`) }
  }
  if (REFUSALS.some((cls) => err instanceof cls)) return { retry: false, code: 'download-failed', reason: firstLine(`download refused: ${(err as HubError).message}`) }
  // Deterministic for the same dataset, config and seed: another attempt gives the same answer.
  if (err instanceof InvalidArgumentError || err instanceof NumericError) return { retry: false, code: 'training-failed', reason: firstLine(`evaluation: ${err.message}`) }
  if (err instanceof HubError) return { retry: true, code: 'download-failed', reason: firstLine(`download failed: ${err.message}`) }
  if (err instanceof CancelledError) return { retry: true, code: 'training-failed', reason: 'cancelled' }
  if (err instanceof Error) return { retry: true, code: 'training-failed', reason: firstLine(`${err.name}: ${err.message}`) }
  return { retry: true, code: 'training-failed', reason: firstLine(String(err)) }
}
