/**
 * Retries for hub calls: exponential backoff with jitter (p-retry), only for failures that
 * can pass (429, 5xx, network, stalls, truncated bodies), inside one overall deadline that
 * also aborts the attempt in flight.
 */
import pRetry from 'p-retry'

import { CancelledError, FlockError } from '../errors.js'
import {
  type HubErrorContext,
  HubNetworkError,
  HubRateLimitError,
  HubServerError,
  HubTimeoutError,
  HubTruncatedError,
} from './errors.js'

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number
  /** Delay before the first retry; doubles per retry and is multiplied by a random factor in [1, 2). */
  readonly minDelayMs: number
  readonly maxDelayMs: number
  /** All attempts and delays together end by this many milliseconds after the start. */
  readonly deadlineMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 5, minDelayMs: 500, maxDelayMs: 30_000, deadlineMs: 15 * 60_000 }

export function isRetryable(err: unknown): boolean {
  return (
    err instanceof HubRateLimitError ||
    err instanceof HubServerError ||
    err instanceof HubNetworkError ||
    err instanceof HubTimeoutError ||
    err instanceof HubTruncatedError
  )
}

export interface RetryOptions {
  policy: RetryPolicy
  /** Names the operation in the deadline error. */
  ctx: HubErrorContext
  signal?: AbortSignal
  /** A deadline shared with other calls (one download = its file info + its body); else `policy.deadlineMs` from now. */
  deadline?: AbortSignal
  /** Narrows which retryable failures are retried (a commit retries only 429). */
  retryIf?: (err: Error) => boolean
  onRetry?: (err: Error, attempt: number) => void
}

export async function withRetry<T>(op: (signal: AbortSignal, attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, signal: caller } = options
  const deadline = options.deadline ?? AbortSignal.timeout(policy.deadlineMs)
  const signal = caller ? AbortSignal.any([caller, deadline]) : deadline
  let last: Error | undefined
  try {
    return await pRetry((attempt) => op(signal, attempt), {
      retries: policy.retries,
      factor: 2,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      randomize: true,
      maxRetryTime: policy.deadlineMs,
      signal,
      shouldRetry: ({ error, attemptNumber }) => {
        // An attempt cut short by the deadline or the caller says nothing about the hub.
        if (!signal.aborted) last = error
        const retry = isRetryable(error) && (options.retryIf?.(error) ?? true)
        if (retry) options.onRetry?.(error, attemptNumber)
        return retry
      },
    })
  } catch (err) {
    if (caller?.aborted) {
      throw caller.reason instanceof FlockError ? caller.reason : new CancelledError('E_CANCELLED', 'hub operation cancelled')
    }
    if (deadline.aborted) {
      const code = last instanceof FlockError ? last.code : undefined
      throw new HubTimeoutError(
        `gave up at the ${policy.deadlineMs} ms deadline${code ? ` (last failure ${code})` : ''}`,
        options.ctx,
      )
    }
    throw err
  }
}
