/**
 * Hub error classes: one per failure kind, each with a stable code. Messages name the
 * repo, commit sha, path and HTTP status; they never carry the HF token (callers pass
 * server-provided text through `redact` first).
 */
import { FlockError } from '../errors.js'

/** Where a hub failure happened. `repo` is written like `datasets/org/name` or `org/name` (models). */
export interface HubErrorContext {
  repo?: string
  sha?: string
  path?: string
  status?: number
}

/** Untrusted names (paths from a listing) are quoted and shortened so a message stays one readable line. */
function quote(value: string): string {
  const text = JSON.stringify(value)
  return text.length > 200 ? `${text.slice(0, 197)}..."` : text
}

export function describeContext(ctx: HubErrorContext): string {
  const parts: string[] = []
  if (ctx.repo !== undefined) parts.push(`repo ${quote(ctx.repo)}`)
  if (ctx.sha !== undefined) parts.push(`sha ${quote(ctx.sha)}`)
  if (ctx.path !== undefined) parts.push(`path ${quote(ctx.path)}`)
  if (ctx.status !== undefined) parts.push(`HTTP ${ctx.status}`)
  return parts.join(', ')
}

export class HubError extends FlockError {
  readonly repo: string | undefined
  readonly sha: string | undefined
  readonly path: string | undefined
  readonly status: number | undefined
  constructor(code: string, summary: string, ctx: HubErrorContext = {}) {
    const where = describeContext(ctx)
    super(code, where ? `${summary} (${where})` : summary)
    this.repo = ctx.repo
    this.sha = ctx.sha
    this.path = ctx.path
    this.status = ctx.status
  }
}

/** A revision is not a full 40-hex commit sha (branch names, tags and short shas are refused). */
export class HubRevisionError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_REVISION', summary, ctx)
  }
}
/** A repo id is malformed (it becomes part of a cache folder name, so it is checked strictly). */
export class HubRepoIdError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_REPO_ID', summary, ctx)
  }
}
/** A remote file name would escape the cache folder or is not a plain relative path. */
export class HubUnsafePathError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_UNSAFE_PATH', summary, ctx)
  }
}
/** Repo, revision or file does not exist (HTTP 404). Not retried. */
export class HubNotFoundError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_NOT_FOUND', summary, ctx)
  }
}
/** Missing, invalid or insufficient token (HTTP 401/403). Not retried. */
export class HubAuthError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_AUTH', summary, ctx)
  }
}
/** The hub rate-limited us (HTTP 429). Retried. */
export class HubRateLimitError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_RATE_LIMIT', summary, ctx)
  }
}
/** The hub failed (HTTP 5xx). Retried. */
export class HubServerError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_SERVER', summary, ctx)
  }
}
/** Any other HTTP error status (400, 409, 422, ...). Not retried. */
export class HubRequestError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_REQUEST', summary, ctx)
  }
}
/** The connection failed or was reset before a response or body completed. Retried. */
export class HubNetworkError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_NETWORK', summary, ctx)
  }
}
/** A request stalled past its idle timeout, or the overall deadline passed. A stall is retried. */
export class HubTimeoutError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_TIMEOUT', summary, ctx)
  }
}
/** The body ended before the size the hub announced. Retried. */
export class HubTruncatedError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_TRUNCATED', summary, ctx)
  }
}
/** The file is larger than the caller's cap; refused before downloading. */
export class HubFileTooLargeError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_TOO_LARGE', summary, ctx)
  }
}
/** Downloaded bytes do not match the size or hash the hub announced for that file. Not retried. */
export class HubIntegrityError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_INTEGRITY', summary, ctx)
  }
}
/** The hub answered something malformed (missing fields, bad JSON, a sha that is not 40-hex). */
export class HubProtocolError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_PROTOCOL', summary, ctx)
  }
}
/** A redirect (or a pagination link) to a scheme other than http(s), or too many redirects. Not retried. */
export class HubRedirectError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_REDIRECT', summary, ctx)
  }
}
/** An API answer (its body after decompression) is larger than the cap on answers. Not retried. */
export class HubResponseTooLargeError extends HubError {
  constructor(summary: string, ctx: HubErrorContext = {}) {
    super('E_HUB_RESPONSE_TOO_LARGE', summary, ctx)
  }
}
