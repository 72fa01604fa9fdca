/**
 * The miner's side of the hub: make sure the dataset repo exists, commit the dataset file,
 * and return the full 40-hex sha of that commit (what goes into the on-chain commitment).
 */
import { openAsBlob } from 'node:fs'
import { basename } from 'node:path'

import { type BaseLogger, pino } from 'pino'

import { InvalidArgumentError } from '../errors.js'
import { ContentHasher } from './content-hash.js'
import { HubRateLimitError } from './errors.js'
import type { Hub } from './hub.js'
import { repoLabel, type RepoRef } from './repo-id.js'
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from './retry.js'
import { assertSafeRepoPath } from './safe-path.js'

export interface PublishDatasetOptions {
  /** A dataset repo (`datasetRepo('org/name')`). */
  repo: RepoRef
  /** The dataset file on disk (streamed, not read into memory)... */
  file?: string
  /** ...or its content. */
  content?: Uint8Array | string
  /** Name of the file in the repo; defaults to the file's base name, else `data.jsonl`. */
  pathInRepo?: string
  message?: string
  /** Visibility when the repo is created (the hub's default when absent). */
  private?: boolean
  retry?: Partial<RetryPolicy>
  signal?: AbortSignal
  logger?: BaseLogger
}

export interface PublishResult {
  readonly repo: RepoRef
  /** Full 40-hex sha of the commit that holds the file. */
  readonly sha: string
  readonly path: string
  /** True when this call created the repo. */
  readonly created: boolean
  readonly size: number
  readonly sha256: string
}

export async function publishDataset(hub: Hub, options: PublishDatasetOptions): Promise<PublishResult> {
  const { repo } = options
  if (repo.type !== 'dataset') throw new InvalidArgumentError(`publishDataset needs a dataset repo, got a ${repo.type} repo`)
  if ((options.file === undefined) === (options.content === undefined)) {
    throw new InvalidArgumentError('publishDataset needs exactly one of `file` and `content`')
  }
  const path = options.pathInRepo ?? (options.file !== undefined ? basename(options.file) : 'data.jsonl')
  const ctx = { repo: repoLabel(repo), path }
  assertSafeRepoPath(path, ctx)
  const content: Blob =
    options.file !== undefined ? ((await openAsBlob(options.file)) as Blob) : new Blob([blobPart(options.content as Uint8Array | string)])
  const digest = await hashBlob(content)
  const log = options.logger ?? pino({ level: 'silent' })
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry }
  const onRetry = (err: Error, attempt: number): void =>
    log.warn({ repo: ctx.repo, path, attempt, code: (err as { code?: string }).code, err: err.message }, 'hub request failed; retrying')
  const signal = options.signal ? { signal: options.signal } : {}

  const created = await withRetry(
    (s) => hub.ensureRepo(repo, { ...(options.private !== undefined ? { private: options.private } : {}), signal: s }),
    { policy, ctx, onRetry, ...signal },
  )
  // A commit that failed after the hub received it may have landed: only a 429 (refused
  // before any work) is safe to retry.
  const sha = await withRetry((s) => hub.commitFiles(repo, [{ path, content }], options.message ?? `Upload ${path}`, s), {
    policy,
    ctx,
    onRetry,
    retryIf: (err) => err instanceof HubRateLimitError,
    ...signal,
  })
  log.info({ repo: ctx.repo, path, sha, size: digest.size }, 'dataset committed')
  return { repo, sha, path, created, size: digest.size, sha256: digest.sha256 }
}

function blobPart(content: Uint8Array | string): string | Uint8Array<ArrayBuffer> {
  return typeof content === 'string' ? content : new Uint8Array(content)
}

async function hashBlob(blob: Blob): Promise<{ size: number; sha256: string }> {
  const hasher = new ContentHasher(blob.size)
  for await (const chunk of blob.stream() as unknown as AsyncIterable<Uint8Array>) hasher.update(chunk)
  return { size: blob.size, sha256: hasher.digest().sha256 }
}
