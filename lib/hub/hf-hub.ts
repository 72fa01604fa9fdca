/**
 * `Hub` over the Hugging Face hub: repo creation, commits (preupload, LFS/xet uploads),
 * file info and tree listings go through @huggingface/hub; the file body is a plain GET of
 * the `resolve` endpoint so that its HTTP status reaches us intact (the library's WebBlob
 * turns a failed body request into a bare string, which loses what we retry on).
 */
import { commit, createRepo, HUB_URL, listFiles, pathsInfo } from '@huggingface/hub'

import { InvalidArgumentError } from '../errors.js'
import { HubAuthError, type HubErrorContext, HubNotFoundError, HubProtocolError } from './errors.js'
import { errorFromStatus, toHubError } from './hf-errors.js'
import { makeHubFetch } from './hf-fetch.js'
import type { CommitFile, Hub, RemoteBody, RemoteFile } from './hub.js'
import { repoLabel, type RepoRef } from './repo-id.js'
import { assertCommitSha, isCommitSha } from './revision.js'
import { assertSafeRepoPath } from './safe-path.js'
import { MAX_LISTED_FILES } from './snapshot-listing.js'
import { type HubToken, resolveHfToken, type ResolveTokenOptions } from './token.js'

export interface HfHubOptions extends ResolveTokenOptions {
  /** Hub base URL; defaults to https://huggingface.co. */
  hubUrl?: string
  /** Bound on each API request (file info, listing, repo creation). Default 60 s. */
  requestTimeoutMs?: number
  /** Bound on each request of a commit, uploads included. Default 1 h. */
  uploadTimeoutMs?: number
  /** Cap on every API answer's body after decompression (file bodies are capped by the download). Default 16 MiB. */
  maxAnswerBytes?: number
}

/** A tree page of 1000 entries is a few hundred kilobytes; no API answer we read comes near this. */
const DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024

interface ListedEntry {
  path: string
  size: number
  oid?: string
  lfs?: { oid: string; size: number }
}

export class HfHub implements Hub {
  readonly kind = 'huggingface'
  readonly hubUrl: string
  readonly #token: HubToken | undefined
  readonly #requestTimeoutMs: number
  readonly #uploadTimeoutMs: number
  readonly #maxAnswerBytes: number
  readonly #origin: string

  constructor(options: HfHubOptions = {}) {
    this.hubUrl = (options.hubUrl ?? HUB_URL).replace(/\/+$/, '')
    this.#token = resolveHfToken(options)
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000
    this.#uploadTimeoutMs = options.uploadTimeoutMs ?? 3_600_000
    this.#maxAnswerBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES
    this.#origin = hubOrigin(this.hubUrl)
  }

  get hasToken(): boolean {
    return this.#token !== undefined
  }

  #secrets(): string[] {
    const token = this.#token?.reveal()
    return token ? [token] : []
  }

  #call(ctx: HubErrorContext, signal?: AbortSignal, timeoutMs = this.#requestTimeoutMs) {
    return {
      hubUrl: this.hubUrl,
      fetch: makeHubFetch({ ctx, timeoutMs, signal, secrets: this.#secrets(), origin: this.#origin, maxBodyBytes: this.#maxAnswerBytes }),
      ...(this.#token ? { accessToken: this.#token.reveal() } : {}),
    }
  }

  async ensureRepo(repo: RepoRef, options: { private?: boolean; signal?: AbortSignal } = {}): Promise<boolean> {
    const ctx = { repo: repoLabel(repo) }
    if (!this.#token) throw new HubAuthError('creating a repo needs an HF token (HF_TOKEN, a .env file or the token option)', ctx)
    try {
      await createRepo({
        repo: { type: repo.type, name: repo.name },
        ...(options.private !== undefined ? { visibility: options.private ? 'private' : 'public' } : {}),
        ...this.#call(ctx, options.signal),
        accessToken: this.#token.reveal(),
      })
      return true
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason
      const typed = toHubError(err, ctx, this.#secrets())
      // The hub answers 409 Conflict when the repo already exists.
      if ((typed as { status?: number }).status === 409) return false
      throw typed
    }
  }

  async commitFiles(repo: RepoRef, files: readonly CommitFile[], message: string, signal?: AbortSignal): Promise<string> {
    const ctx = { repo: repoLabel(repo) }
    if (!this.#token) throw new HubAuthError('committing needs an HF token (HF_TOKEN, a .env file or the token option)', ctx)
    for (const file of files) assertSafeRepoPath(file.path, ctx)
    let out
    try {
      out = await commit({
        repo: { type: repo.type, name: repo.name },
        title: message,
        operations: files.map((file) => ({ operation: 'addOrUpdate' as const, path: file.path, content: file.content })),
        ...this.#call(ctx, signal, this.#uploadTimeoutMs),
        accessToken: this.#token.reveal(),
        ...(signal ? { abortSignal: signal } : {}),
      })
    } catch (err) {
      if (signal?.aborted) throw signal.reason
      throw toHubError(err, ctx, this.#secrets())
    }
    const sha = out?.commit.oid
    if (!isCommitSha(sha)) throw new HubProtocolError('hub answered a commit without a 40-hex commit sha', ctx)
    return sha.toLowerCase()
  }

  async fileInfo(repo: RepoRef, sha: string, path: string, signal?: AbortSignal): Promise<RemoteFile> {
    const ctx = { repo: repoLabel(repo), sha, path }
    assertCommitSha(sha, ctx)
    assertSafeRepoPath(path, ctx)
    let entries
    try {
      entries = await pathsInfo({ repo: { type: repo.type, name: repo.name }, paths: [path], revision: sha, ...this.#call(ctx, signal) })
    } catch (err) {
      if (signal?.aborted) throw signal.reason
      throw toHubError(err, ctx, this.#secrets())
    }
    const entry = entries.find((e) => e.path === path && e.type === 'file')
    if (!entry) throw new HubNotFoundError('file not found at this commit', ctx)
    return toRemoteFile(entry, ctx)
  }

  async listFiles(repo: RepoRef, sha: string, signal?: AbortSignal): Promise<RemoteFile[]> {
    const ctx = { repo: repoLabel(repo), sha }
    assertCommitSha(sha, ctx)
    const files: RemoteFile[] = []
    let entries = 0
    try {
      for await (const entry of listFiles({ repo: { type: repo.type, name: repo.name }, revision: sha, recursive: true, ...this.#call(ctx, signal) })) {
        // a hub that pages on without end would otherwise fill memory one capped page at a time
        if (++entries > MAX_LISTED_FILES) throw new HubProtocolError(`hub listed more than ${MAX_LISTED_FILES} entries`, ctx)
        if (entry.type === 'file') files.push(toRemoteFile(entry, { ...ctx, path: entry.path }))
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason
      throw toHubError(err, ctx, this.#secrets())
    }
    return files
  }

  async openFile(repo: RepoRef, sha: string, path: string, signal: AbortSignal): Promise<RemoteBody> {
    const ctx = { repo: repoLabel(repo), sha, path }
    assertCommitSha(sha, ctx)
    assertSafeRepoPath(path, ctx)
    const prefix = repo.type === 'model' ? '' : `${repo.type}s/`
    const url = `${this.hubUrl}/${prefix}${repo.name}/resolve/${sha}/${path.split('/').map(encodeURIComponent).join('/')}`
    const token = this.#token?.reveal()
    // No overall timeout: files can be large; the caller aborts `signal` when the body stalls.
    const fetchFn = makeHubFetch({ ctx, signal, secrets: this.#secrets(), origin: this.#origin })
    const res = await fetchFn(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {})
    if (!res.ok) {
      const detail = res.headers.get('x-error-message') ?? (await res.text().catch(() => '')).slice(0, 1000)
      throw errorFromStatus(res.status, ctx, detail, this.#secrets())
    }
    if (!res.body) throw new HubProtocolError('hub answered without a body', ctx)
    const length = Number(res.headers.get('content-length') ?? NaN)
    return {
      // Node's web ReadableStream is async-iterable; the DOM typings do not say so.
      body: res.body as unknown as AsyncIterable<Uint8Array>,
      ...(Number.isSafeInteger(length) ? { contentLength: length } : {}),
    }
  }
}

/** The origin the token is sent to; the hub URL must be http(s). */
function hubOrigin(hubUrl: string): string {
  let url: URL | undefined
  try {
    url = new URL(hubUrl)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new InvalidArgumentError(`hubUrl: expected an http(s) URL, got ${JSON.stringify(hubUrl.slice(0, 200))}`)
  return url.origin
}

function toRemoteFile(entry: ListedEntry, ctx: HubErrorContext): RemoteFile {
  const size = entry.lfs?.size ?? entry.size
  if (!Number.isSafeInteger(size) || size < 0) throw new HubProtocolError('hub listed a file without a valid size', ctx)
  if (entry.lfs) {
    if (!/^[0-9a-f]{64}$/.test(entry.lfs.oid)) throw new HubProtocolError('hub listed an LFS file without a sha256', ctx)
    return { path: entry.path, size, sha256: entry.lfs.oid }
  }
  if (typeof entry.oid !== 'string' || !/^[0-9a-f]{40}$/.test(entry.oid)) {
    throw new HubProtocolError('hub listed a file without a git blob id', ctx)
  }
  return { path: entry.path, size, gitOid: entry.oid }
}
