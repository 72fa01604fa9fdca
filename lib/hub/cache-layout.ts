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
import { homedir } from 'node:os'
import { join } from 'node:path'

import { HubProtocolError } from './errors.js'
import type { RemoteFile } from './hub.js'
import { repoFolderName, type RepoRef } from './repo-id.js'

/**
 * `~` / `~/…` (the current user's home) and `$VAR` / `${VAR}` expanded as Python's
 * os.path.expanduser + os.path.expandvars do, which is how huggingface_hub reads its paths:
 * an unset variable, and `~name` of another user, are left as written.
 */
export function expandHfPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || homedir()
  const user = path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path
  return user.replace(/\$(\w+)|\$\{([^}]*)\}/g, (whole, bare: string | undefined, braced: string | undefined) => env[bare ?? braced ?? ''] ?? whole)
}

/**
 * The hub cache folder as huggingface_hub resolves it: $HF_HUB_CACHE, else the legacy
 * $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
 * ~/.cache/huggingface/hub — each with `~` and `$VAR` expanded (test/fixtures/hub/cache-paths.json
 * holds what Python huggingface_hub gives for each case).
 */
export function defaultHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || homedir()
  const hfHome = expandHfPath(env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'huggingface'), env)
  return expandHfPath(env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(hfHome, 'hub'), env)
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
