/**
 * The Hub interface: the few remote operations the miner and validator need. Two
 * implementations with the same semantics: `HfHub` (Hugging Face over @huggingface/hub) and
 * `LocalHub` (a folder, for offline runs and the local demo). Caching, size caps, retries and
 * hashing live above this interface (`HubCache`), so both get them identically.
 *
 * Every `sha` here is a full 40-hex commit sha; implementations refuse anything else.
 * `resolveRevision` is the one way from a branch name or a short sha to one.
 */
import type { RepoRef } from './repo-id.js'

/** A file of a repo at a commit, as the hub describes it. */
export interface RemoteFile {
  /** Repo-relative POSIX path, exactly as the hub listed it (untrusted until checked). */
  readonly path: string
  /** Size in bytes of the file's content. */
  readonly size: number
  /** sha256 of the content, when the hub knows it (LFS/xet files on Hugging Face, every file locally). */
  readonly sha256?: string
  /** Git blob id (sha1 of "blob <size>\0" + content), for files stored in git itself. */
  readonly gitOid?: string
}

/** A file to commit. `content` is a Blob so large files stream from disk (`fs.openAsBlob`). */
export interface CommitFile {
  readonly path: string
  readonly content: Blob
}

/** An open download: the body and, when the transport says so, its length. */
export interface RemoteBody {
  readonly body: AsyncIterable<Uint8Array>
  readonly contentLength?: number
}

export interface Hub {
  /** 'huggingface' or 'local': for logs only; callers never branch on it. */
  readonly kind: string
  /** Creates the repo when it does not exist. Resolves to true when this call created it. */
  ensureRepo(repo: RepoRef, options?: { private?: boolean; signal?: AbortSignal }): Promise<boolean>
  /** Commits files onto the main branch and resolves to the new commit's full sha. */
  commitFiles(repo: RepoRef, files: readonly CommitFile[], message: string, signal?: AbortSignal): Promise<string>
  /** Describes one file at a commit; HubNotFoundError when repo, commit or file is missing. */
  fileInfo(repo: RepoRef, sha: string, path: string, signal?: AbortSignal): Promise<RemoteFile>
  /** Lists every file of the repo at a commit, recursively. */
  listFiles(repo: RepoRef, sha: string, signal?: AbortSignal): Promise<RemoteFile[]>
  /** The full sha a revision (a branch such as "main", or a commit sha, full or a prefix) names now; HubNotFoundError when none. */
  resolveRevision(repo: RepoRef, revision: string, signal?: AbortSignal): Promise<string>
  /** Opens a file's content at a commit. Aborting `signal` ends the body. */
  openFile(repo: RepoRef, sha: string, path: string, signal: AbortSignal): Promise<RemoteBody>
}
