/**
 * The validator's side of the hub: pinned, size-capped, hashed downloads into the standard
 * HF cache layout, over any `Hub`. A file already cached costs no network; concurrent
 * requests for one file share one download; failures that can pass are retried with
 * backoff inside an overall deadline.
 */
import { join } from 'node:path'

import { InvalidArgumentError } from '../errors.js'

import { type BaseLogger, pino } from 'pino'

import { linkSnapshotEntry, readRecord, verifyLocalCopy, writeRecord } from './cache-entry.js'
import { blobId, defaultHubCacheDir, type RepoCachePaths, repoCachePaths } from './cache-layout.js'
import { HubFileTooLargeError, type HubErrorContext, HubProtocolError } from './errors.js'
import type { Hub, RemoteFile } from './hub.js'
import { repoLabel, type RepoRef } from './repo-id.js'
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from './retry.js'
import { assertCommitSha } from './revision.js'
import { assertSafeRepoPath } from './safe-path.js'
import { loadListing } from './snapshot-listing.js'
import { streamBlob } from './stream-blob.js'

export interface HubCacheOptions {
  hub: Hub
  /** Root of the HF-layout cache; defaults to $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub. */
  cacheDir?: string
  retry?: Partial<RetryPolicy>
  /** An attempt is abandoned when no bytes arrive for this long (headers included). Default 60 s. */
  stallTimeoutMs?: number
  /** Files of a snapshot downloaded at once. Default 4. */
  concurrency?: number
  logger?: BaseLogger
}

/** A file in the cache. */
export interface CachedFile {
  readonly repo: RepoRef
  readonly sha: string
  /** Repo-relative path. */
  readonly path: string
  /** Absolute path of the file on disk (its snapshot entry). */
  readonly file: string
  readonly size: number
  readonly sha256: string
  /** True when no download was needed. */
  readonly fromCache: boolean
}

export interface DownloadFileOptions {
  repo: RepoRef
  /** Full 40-hex commit sha. */
  sha: string
  path: string
  /** Refuse the file when the hub says it is larger than this (bytes). */
  maxBytes: number
  signal?: AbortSignal
}

export interface DownloadSnapshotOptions {
  repo: RepoRef
  /** Full 40-hex commit sha. */
  sha: string
  /** Which files to fetch (all when absent), e.g. only safetensors and tokenizer files. */
  include?: (path: string) => boolean
  /** Refuse the snapshot when the selected files add up to more than this (bytes). */
  maxTotalBytes?: number
  signal?: AbortSignal
}

export interface CachedSnapshot {
  readonly repo: RepoRef
  readonly sha: string
  /** `<cacheDir>/<type>s--org--name/snapshots/<sha>`: a model folder the loaders read as-is. */
  readonly dir: string
  readonly files: readonly CachedFile[]
}

type FileCtx = HubErrorContext & { sha: string; path: string }

export class HubCache {
  readonly hub: Hub
  readonly cacheDir: string
  readonly #policy: RetryPolicy
  readonly #stallTimeoutMs: number
  readonly #concurrency: number
  readonly #log: BaseLogger
  // In-flight work, keyed by what it produces, so concurrent callers share one promise.
  readonly #requests = new Map<string, Promise<CachedFile>>()
  readonly #bodies = new Map<string, Promise<CachedFile>>()

  constructor(options: HubCacheOptions) {
    this.hub = options.hub
    this.cacheDir = options.cacheDir ?? defaultHubCacheDir()
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry }
    this.#stallTimeoutMs = options.stallTimeoutMs ?? 60_000
    this.#concurrency = Math.max(1, options.concurrency ?? 4)
    this.#log = options.logger ?? pino({ level: 'silent' })
  }

  /** Downloads one file of a repo at a pinned commit (or finds it cached) and returns where it is. */
  async downloadFile(options: DownloadFileOptions): Promise<CachedFile> {
    const { repo, path, maxBytes } = options
    const ctx: FileCtx = { repo: repoLabel(repo), sha: options.sha, path }
    ctx.sha = assertCommitSha(options.sha, ctx)
    assertSafeRepoPath(path, ctx)
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new InvalidArgumentError(`maxBytes must be a non-negative integer, got ${maxBytes}`)
    }
    const key = `${ctx.repo}\n${ctx.sha}\n${path}\n${maxBytes}`
    return this.#shared(this.#requests, key, () => this.#downloadFile(repo, ctx, maxBytes, options.signal))
  }

  async #downloadFile(repo: RepoRef, ctx: FileCtx, maxBytes: number, signal?: AbortSignal): Promise<CachedFile> {
    const paths = repoCachePaths(this.cacheDir, repo, ctx.sha)
    const cached = await this.#fromRecord(repo, paths, ctx)
    if (cached) {
      if (cached.size > maxBytes) throw tooLarge(cached.size, maxBytes, ctx)
      return cached
    }
    // One deadline covers the file info and the body together.
    const deadline = AbortSignal.timeout(this.#policy.deadlineMs)
    const remote = await withRetry((s) => this.hub.fileInfo(repo, ctx.sha, ctx.path, s), this.#retryOptions(ctx, signal, deadline))
    if (remote.path !== ctx.path) throw new HubProtocolError('hub described a different file than the one asked for', ctx)
    if (remote.size > maxBytes) throw tooLarge(remote.size, maxBytes, ctx)
    return this.#materialize(repo, paths, remote, ctx, signal, deadline)
  }

  /** Downloads the files of a repo at a pinned commit into its HF-layout snapshot folder, reusing what is there. */
  async downloadSnapshot(options: DownloadSnapshotOptions): Promise<CachedSnapshot> {
    const { repo } = options
    const ctx: HubErrorContext = { repo: repoLabel(repo), sha: options.sha }
    const sha = assertCommitSha(options.sha, ctx)
    const paths = repoCachePaths(this.cacheDir, repo, sha)
    const snapshotCtx = { ...ctx, sha }
    const listing = await loadListing(paths, snapshotCtx, () =>
      withRetry((s) => this.hub.listFiles(repo, sha, s), this.#retryOptions(snapshotCtx, options.signal)),
    )
    const selected = options.include ? listing.filter((f) => options.include?.(f.path)) : listing
    const total = selected.reduce((sum, f) => sum + f.size, 0)
    if (options.maxTotalBytes !== undefined && total > options.maxTotalBytes) {
      throw new HubFileTooLargeError(`snapshot is ${total} bytes, over the cap of ${options.maxTotalBytes}`, { ...ctx, sha })
    }
    const files: CachedFile[] = new Array(selected.length)
    let next = 0
    let failed = false
    const worker = async (): Promise<void> => {
      // After one file fails, the other workers finish their current file and stop.
      while (!failed && next < selected.length) {
        const index = next++
        const remote = selected[index] as RemoteFile
        const fileCtx = { ...snapshotCtx, path: remote.path }
        try {
          files[index] = (await this.#fromRecord(repo, paths, fileCtx)) ?? (await this.#materialize(repo, paths, remote, fileCtx, options.signal))
        } catch (err) {
          failed = true
          throw err
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, selected.length) }, worker))
    return { repo, sha, dir: paths.snapshotDir, files }
  }

  async #fromRecord(repo: RepoRef, paths: RepoCachePaths, ctx: FileCtx): Promise<CachedFile | undefined> {
    const record = await readRecord(paths, ctx.path, ctx)
    if (!record) return undefined
    this.#log.debug({ repo: ctx.repo, sha: ctx.sha, path: ctx.path }, 'hub file already cached')
    return { repo, sha: ctx.sha, path: ctx.path, file: join(paths.snapshotDir, ...ctx.path.split('/')), size: record.size, sha256: record.sha256, fromCache: true }
  }

  /** Puts the described file into the cache: reuses a matching copy on disk, else downloads it once. */
  #materialize(repo: RepoRef, paths: RepoCachePaths, remote: RemoteFile, ctx: FileCtx, signal?: AbortSignal, deadline?: AbortSignal): Promise<CachedFile> {
    const key = `${repoLabel(repo)}\n${ctx.sha}\n${ctx.path}`
    return this.#shared(this.#bodies, key, async () => {
      const id = blobId(remote)
      const blobPath = join(paths.blobsDir, id)
      const entry = join(paths.snapshotDir, ...ctx.path.split('/'))
      let fromCache = true
      // The entry may already be there: our symlink, an HF tool's symlink or an HF tool's copy.
      let sha256 = await verifyLocalCopy(entry, remote)
      if (sha256 === undefined) {
        sha256 = await verifyLocalCopy(blobPath, remote)
        if (sha256 === undefined) {
          fromCache = false
          this.#log.info({ repo: ctx.repo, sha: ctx.sha, path: ctx.path, size: remote.size }, 'downloading hub file')
          sha256 = await withRetry(
            (s) => streamBlob({ hub: this.hub, repo, sha: ctx.sha, remote, blobsDir: paths.blobsDir, blobPath, stallTimeoutMs: this.#stallTimeoutMs, signal: s, ctx }),
            this.#retryOptions(ctx, signal, deadline),
          )
        }
        await linkSnapshotEntry(paths, ctx.path, blobPath, ctx)
      }
      await writeRecord(paths, { path: ctx.path, size: remote.size, sha256, blob: id })
      return { repo, sha: ctx.sha, path: ctx.path, file: entry, size: remote.size, sha256, fromCache }
    })
  }

  #retryOptions(ctx: HubErrorContext, signal?: AbortSignal, deadline?: AbortSignal) {
    return {
      policy: this.#policy,
      ctx,
      ...(signal ? { signal } : {}),
      ...(deadline ? { deadline } : {}),
      onRetry: (err: Error, attempt: number) =>
        this.#log.warn({ repo: ctx.repo, sha: ctx.sha, path: ctx.path, attempt, code: (err as { code?: string }).code, err: err.message }, 'hub request failed; retrying'),
    }
  }

  async #shared(map: Map<string, Promise<CachedFile>>, key: string, run: () => Promise<CachedFile>): Promise<CachedFile> {
    const running = map.get(key)
    if (running) return running
    const promise = run()
    map.set(key, promise)
    try {
      return await promise
    } finally {
      map.delete(key)
    }
  }
}

function tooLarge(size: number, maxBytes: number, ctx: HubErrorContext): HubFileTooLargeError {
  return new HubFileTooLargeError(`file is ${size} bytes, over the cap of ${maxBytes}`, ctx)
}
