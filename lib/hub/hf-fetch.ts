/**
 * The fetch handed to @huggingface/hub and used for downloads. Every request the hub client
 * makes goes through it (the library's pagination and every redirect hop included), so the
 * rules hold here, once:
 * - each request is bounded by a timeout and follows the caller's AbortSignal;
 * - redirects are followed here, hop by hop, only to http(s) URLs and at most MAX_REDIRECTS
 *   times; any other scheme is refused by name (E_HUB_REDIRECT, not retried);
 * - the token goes only to the origin it was given for: a header carrying it is dropped from
 *   a request, or a redirect hop, to any other origin;
 * - an answer's body is capped after decompression, as it streams, so a small gzip answer
 *   that inflates to gigabytes stops at the cap;
 * - a failed connection becomes a typed, token-free error before library code can format it.
 */
import { type HubErrorContext, HubProtocolError, HubRedirectError, HubResponseTooLargeError } from './errors.js'
import { toHubError } from './hf-errors.js'

const MAX_REDIRECTS = 10
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])
/** An error answer is read for its message only: past this it is cut, not refused, so its status still counts. */
const ERROR_BODY_MAX_BYTES = 1 << 20

export interface HubFetchOptions {
  ctx: HubErrorContext
  /** Bound on the whole request including its body; none when undefined. */
  timeoutMs?: number
  signal?: AbortSignal
  secrets: readonly (string | undefined)[]
  /** The origin the secrets were given for (the hub's); no other origin receives them. */
  origin: string
  /** Cap on a successful answer's body after decompression; none when undefined (a file body: the download caps and checks it). */
  maxBodyBytes?: number
}

interface Hop {
  url: URL
  method: string
  headers: Headers
  body: RequestInit['body']
}

function firstHop(input: string | URL | Request, init: RequestInit | undefined, ctx: HubErrorContext): Hop {
  const req = input instanceof Request ? input : undefined
  let url: URL
  try {
    url = new URL(req ? req.url : String(input))
  } catch {
    throw new HubProtocolError('hub client asked for an invalid URL', ctx)
  }
  const headers = new Headers(req?.headers)
  new Headers(init?.headers).forEach((value, name) => headers.set(name, value))
  return { url, method: (init?.method ?? req?.method ?? 'GET').toUpperCase(), headers, body: init?.body ?? req?.body ?? null }
}

function checkScheme(url: URL, hop: number, ctx: HubErrorContext): void {
  if (url.protocol === 'http:' || url.protocol === 'https:') return
  const scheme = JSON.stringify(url.protocol.slice(0, 40))
  throw new HubRedirectError(
    hop === 0 ? `refused to fetch a ${scheme} URL the hub pointed to; only http(s) is fetched` : `hub redirected to a ${scheme} URL; only http(s) redirects are followed`,
    ctx,
  )
}

/** The request's headers for `url`: any header carrying a secret is dropped when `url` is not the secrets' origin. */
function headersFor(url: URL, headers: Headers, options: HubFetchOptions): Headers {
  if (url.origin === options.origin) return headers
  const secrets = options.secrets.filter((s): s is string => typeof s === 'string' && s.length > 0)
  const out = new Headers()
  headers.forEach((value, name) => {
    if (!secrets.some((s) => value.includes(s))) out.set(name, value)
  })
  return out
}

/** The next hop of a redirect, as fetch follows one: 303 (and 301/302 of a POST) become a GET without a body. */
function nextHop(prev: Hop, status: number, location: string, ctx: HubErrorContext): Hop {
  let url: URL
  try {
    url = new URL(location, prev.url)
  } catch {
    throw new HubProtocolError('hub redirected to an invalid URL', ctx)
  }
  if ((status === 303 && prev.method !== 'HEAD') || ((status === 301 || status === 302) && prev.method === 'POST')) {
    const headers = new Headers(prev.headers)
    for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name)
    return { url, method: 'GET', headers, body: null }
  }
  if (prev.body instanceof ReadableStream) throw new HubProtocolError('hub redirected a request whose streamed body cannot be sent again', ctx)
  return { ...prev, url }
}

/** `res` with its body counted as it streams (after decompression): refused past `cap` when ok, cut at the cap when not. */
function capBody(res: Response, url: URL, options: HubFetchOptions): Response {
  const cap = res.ok ? options.maxBodyBytes : Math.min(options.maxBodyBytes ?? ERROR_BODY_MAX_BYTES, ERROR_BODY_MAX_BYTES)
  if (cap === undefined || res.body === null || NULL_BODY_STATUSES.has(res.status)) return res
  const ctx = { ...options.ctx, status: res.status }
  let seen = 0
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength
        if (seen <= cap) return controller.enqueue(chunk)
        // erroring (or ending) the stream cancels the source: the connection and its inflater stop here
        if (res.ok) controller.error(new HubResponseTooLargeError(`hub answer is larger than the cap of ${cap} bytes (after decompression)`, ctx))
        else {
          controller.enqueue(chunk.subarray(0, chunk.byteLength - (seen - cap)))
          controller.terminate()
        }
      },
    }),
  )
  const out = new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers })
  Object.defineProperty(out, 'url', { value: res.url || url.href })
  return out
}

export function makeHubFetch(options: HubFetchOptions): typeof fetch {
  return async (input, init) => {
    const signals: AbortSignal[] = []
    if (init?.signal) signals.push(init.signal)
    if (options.signal) signals.push(options.signal)
    if (options.timeoutMs !== undefined) signals.push(AbortSignal.timeout(options.timeoutMs))
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined
    const mode = init?.redirect ?? 'follow'
    try {
      let hop = firstHop(input, init, options.ctx)
      for (let n = 0; ; n++) {
        checkScheme(hop.url, n, options.ctx)
        const res = await fetch(hop.url, {
          ...init,
          method: hop.method,
          headers: headersFor(hop.url, hop.headers, options),
          body: hop.body,
          redirect: 'manual',
          ...(signal ? { signal } : {}),
        })
        const location = res.headers.get('location')
        if (!REDIRECT_STATUSES.has(res.status) || location === null || mode === 'manual') return capBody(res, hop.url, options)
        await res.body?.cancel()
        if (mode === 'error') throw new HubRedirectError(`hub answered HTTP ${res.status} with a redirect where none is allowed`, options.ctx)
        if (n >= MAX_REDIRECTS) throw new HubRedirectError(`hub redirected more than ${MAX_REDIRECTS} times`, options.ctx)
        hop = nextHop(hop, res.status, location, options.ctx)
      }
    } catch (err) {
      // A caller's own abort reason (a typed error from a stall timer) is kept as it is.
      if (options.signal?.aborted) throw options.signal.reason
      throw toHubError(err, options.ctx, options.secrets)
    }
  }
}
