/**
 * The fetch handed to @huggingface/hub and used for downloads: it bounds each request with
 * a timeout, follows the caller's AbortSignal, and turns a failed connection into a typed,
 * token-free error before any library code can format it.
 */
import type { HubErrorContext } from './errors.js'
import { toHubError } from './hf-errors.js'

export interface HubFetchOptions {
  ctx: HubErrorContext
  /** Bound on the whole request including its body; none when undefined. */
  timeoutMs?: number
  signal?: AbortSignal
  secrets: readonly (string | undefined)[]
}

export function makeHubFetch(options: HubFetchOptions): typeof fetch {
  return async (input, init) => {
    const signals: AbortSignal[] = []
    if (init?.signal) signals.push(init.signal)
    if (options.signal) signals.push(options.signal)
    if (options.timeoutMs !== undefined) signals.push(AbortSignal.timeout(options.timeoutMs))
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined
    try {
      return await fetch(input, { ...init, signal })
    } catch (err) {
      // A caller's own abort reason (a typed error from a stall timer) is kept as it is.
      if (options.signal?.aborted) throw options.signal.reason
      throw toHubError(err, options.ctx, options.secrets)
    }
  }
}
