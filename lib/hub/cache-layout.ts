/**
 * Where things live in the cache. The layout is the standard Hugging Face hub cache, so
 * snapshots written here load in HF Python tools and snapshots they wrote are reused here:
 *
 *   <cacheDir>/<type>s--<namespace>--<name>/blobs/<sha256 or git blob id>
 *   <cacheDir>/<type>s--<namespace>--<name>/snapshots/<commit sha>/<path>  -> ../../blobs/<id>
 *
 * (HF tools add `refs/<branch>` only when they resolve a branch; pinned shas need none.)
 *
 * Our own bookkeeping sits beside them in `.flock/<commit sha>/` (HF tools ignore it):
 * one record per file (size, sha256, blob id) and the repo's file listing at that commit.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'

import { getHFHubCachePath } from '@huggingface/hub'

import { HubProtocolError } from './errors.js'
import type { RemoteFile } from './hub.js'
import { repoFolderName, type RepoRef } from './repo-id.js'

/** $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (as HF tools resolve it). */
export function defaultHubCacheDir(): string {
  return getHFHubCachePath()
}

export interface RepoCachePaths {
  readonly repoDir: string
  readonly blobsDir: string
  readonly snapshotDir: string
  readonly flockDir: string
}

export function repoCachePaths(cacheDir: string, repo: RepoRef, sha: string): RepoCachePaths {
  const repoDir = join(cacheDir, repoFolderName(repo))
  return {
    repoDir,
    blobsDir: join(repoDir, 'blobs'),
    snapshotDir: join(repoDir, 'snapshots', sha),
    flockDir: join(repoDir, '.flock', sha),
  }
}

/** HF names blobs by the file's sha256 (LFS/xet files) or git blob id (files in git). */
export function blobId(file: RemoteFile): string {
  const id = file.sha256 ?? file.gitOid
  if (!id) throw new HubProtocolError('hub gave no content hash for a file', { path: file.path })
  return id
}

/** The record of one cached file; named by a hash of its path so any path maps to one flat name. */
export function recordFile(paths: RepoCachePaths, path: string): string {
  return join(paths.flockDir, 'files', `${createHash('sha256').update(path).digest('hex')}.json`)
}

export function listingFile(paths: RepoCachePaths): string {
  return join(paths.flockDir, 'listing.json')
}
