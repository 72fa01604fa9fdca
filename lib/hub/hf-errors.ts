/**
 * Turns whatever a hub request threw (a status, a @huggingface/hub HubApiError, a fetch
 * failure) into the typed hub error for that failure kind. Server-provided text is redacted
 * and shortened; the library's own message is not reused because it embeds request URLs.
 */
import { HubApiError, InvalidApiResponseFormatError } from '@huggingface/hub'

import {
  HubAuthError,
  HubError,
  type HubErrorContext,
  HubNetworkError,
  HubNotFoundError,
  HubProtocolError,
  HubRateLimitError,
  HubRequestError,
  HubServerError,
  HubTimeoutError,
} from './errors.js'
import { redact } from './redact.js'

function detailText(detail: string | undefined, secrets: readonly (string | undefined)[]): string {
  if (!detail) return ''
  const clean = redact(detail, secrets).replace(/\s+/g, ' ').trim()
  if (!clean) return ''
  return `: ${clean.length > 300 ? `${clean.slice(0, 297)}...` : clean}`
}

/** The typed error for an HTTP error status. */
export function errorFromStatus(
  status: number,
  ctx: HubErrorContext,
  detail?: string,
  secrets: readonly (string | undefined)[] = [],
): HubError {
  const at = { ...ctx, status }
  const more = detailText(detail, secrets)
  if (status === 401 || status === 403) return new HubAuthError(`hub refused the credentials${more}`, at)
  if (status === 404) return new HubNotFoundError(`not found on the hub${more}`, at)
  if (status === 429) return new HubRateLimitError(`rate-limited by the hub${more}`, at)
  if (status >= 500) return new HubServerError(`hub server error${more}`, at)
  return new HubRequestError(`hub rejected the request${more}`, at)
}

function serverMessage(err: HubApiError): string | undefined {
  const data = err.data as Record<string, unknown> | undefined
  for (const key of ['error', 'message']) {
    const value = data?.[key]
    if (typeof value === 'string') return value
  }
  return undefined
}

/** Any failure of a hub call as a typed HubError (typed errors pass through unchanged). */
export function toHubError(err: unknown, ctx: HubErrorContext, secrets: readonly (string | undefined)[] = []): Error {
  if (err instanceof HubError) return err
  if (err instanceof HubApiError) return errorFromStatus(err.statusCode, ctx, serverMessage(err), secrets)
  if (err instanceof InvalidApiResponseFormatError) {
    return new HubProtocolError(`malformed hub response${detailText(err.message, secrets)}`, ctx)
  }
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new HubTimeoutError('hub request timed out', ctx)
  }
  if (err instanceof TypeError) {
    // fetch() failures ("fetch failed", "terminated") carry the socket error code in `cause`.
    const code = (err.cause as { code?: unknown } | undefined)?.code
    return new HubNetworkError(`network error${detailText(typeof code === 'string' ? code : err.message, secrets)}`, ctx)
  }
  if (err instanceof SyntaxError) return new HubProtocolError('hub answered invalid JSON', ctx)
  const text = err instanceof Error ? err.message : String(err)
  return new HubProtocolError(`unexpected hub failure${detailText(text, secrets)}`, ctx)
}
