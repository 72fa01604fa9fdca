/**
 * `Hub` over a local folder, for offline runs and the local demo. Same semantics as the
 * Hugging Face hub where callers can tell: repos must be created before commits, every
 * commit gets a full 40-hex sha, files at a commit are immutable, missing things are
 * HubNotFoundError. Layout under `root`:
 *
 *   <type>s/<namespace>/<name>/objects/<sha256>   file contents, content-addressed
 *   <type>s/<namespace>/<name>/commits/<sha>.json  {parent, message, files: {path: {size, sha256}}}
 *   <type>s/<namespace>/<name>/refs/main           sha of the branch head
 *
 * A commit's sha is the sha1 of its JSON text, so commits are content-addressed too and a
 * tampered commit file is detected on read.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

import { writeAll } from '../util/durable-write.js'
import { readTextCapped } from '../util/read-capped.js'
import { writeFileAtomic } from './cache-entry.js'
import { type HubErrorContext, HubNotFoundError, HubProtocolError } from './errors.js'
import type { CommitFile, Hub, RemoteBody, RemoteFile } from './hub.js'
import { repoLabel, type RepoRef } from './repo-id.js'
import { assertCommitSha } from './revision.js'
import { assertSafeRepoPath } from './safe-path.js'

/** A commit file lists paths, sizes and hashes; far fewer bytes than this. */
const LOCAL_COMMIT_MAX_BYTES = 64 * 1024 * 1024

interface LocalCommit {
  parent: string | null
  message: string
  files: Record<string, { size: number; sha256: string }>
}

export class LocalHub implements Hub {
  readonly kind = 'local'
  readonly root: string
  // Commits to one repo are serialized within this instance so refs/main never loses one.
  readonly #queues = new Map<string, Promise<unknown>>()

  constructor(root: string) {
    this.root = root
  }

  #repoDir(repo: RepoRef): string {
    return join(this.root, `${repo.type}s`, ...repo.name.split('/'))
  }

  async ensureRepo(repo: RepoRef): Promise<boolean> {
    const dir = this.#repoDir(repo)
    await mkdir(join(dir, '..'), { recursive: true })
    try {
      await mkdir(dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw err
    }
    await Promise.all(['objects', 'commits', 'refs'].map((sub) => mkdir(join(dir, sub))))
    return true
  }

  async commitFiles(repo: RepoRef, files: readonly CommitFile[], message: string): Promise<string> {
    const ctx = { repo: repoLabel(repo) }
    for (const file of files) assertSafeRepoPath(file.path, ctx)
    const key = this.#repoDir(repo)
    const previous = this.#queues.get(key) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(() => this.#commit(repo, files, message, ctx))
    this.#queues.set(key, next)
    try {
      return await next
    } finally {
      if (this.#queues.get(key) === next) this.#queues.delete(key)
    }
  }

  async #commit(repo: RepoRef, files: readonly CommitFile[], message: string, ctx: HubErrorContext): Promise<string> {
    const dir = this.#repoDir(repo)
    await this.#assertRepo(dir, ctx)
    const parent = await this.#head(dir)
    const tree: LocalCommit['files'] = parent ? { ...(await this.#readCommit(dir, parent, ctx)).files } : {}
    for (const file of files) tree[file.path] = await this.#storeObject(dir, file.content)
    const sorted = Object.fromEntries(Object.entries(tree).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    const text = JSON.stringify({ parent, message, files: sorted } satisfies LocalCommit)
    const sha = createHash('sha1').update(text).digest('hex')
    await writeFileAtomic(join(dir, 'commits', `${sha}.json`), text)
    await writeFileAtomic(join(dir, 'refs', 'main'), sha)
    return sha
  }

  async #storeObject(dir: string, content: Blob): Promise<{ size: number; sha256: string }> {
    const tmp = join(dir, 'objects', `.${randomUUID()}.incomplete`)
    const hash = createHash('sha256')
    let size = 0
    try {
      const out = await open(tmp, 'wx')
      try {
        for await (const chunk of content.stream() as unknown as AsyncIterable<Uint8Array>) {
          hash.update(chunk)
          size += chunk.byteLength
          await writeAll(out, chunk, null)
        }
        await out.sync()
      } finally {
        await out.close()
      }
      const sha256 = hash.digest('hex')
      await rename(tmp, join(dir, 'objects', sha256))
      return { size, sha256 }
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
  }

  async #assertRepo(dir: string, ctx: HubErrorContext): Promise<void> {
    try {
      await stat(join(dir, 'commits'))
    } catch {
      throw new HubNotFoundError('repo not found on the local hub', ctx)
    }
  }

  async #head(dir: string): Promise<string | null> {
    try {
      return (await readTextCapped(join(dir, 'refs', 'main'), 4096)).trim()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  async #readCommit(dir: string, sha: string, ctx: HubErrorContext): Promise<LocalCommit> {
    let text: string
    try {
      text = await readTextCapped(join(dir, 'commits', `${sha}.json`), LOCAL_COMMIT_MAX_BYTES)
    } catch {
      throw new HubNotFoundError('commit not found on the local hub', ctx)
    }
    if (createHash('sha1').update(text).digest('hex') !== sha) {
      throw new HubProtocolError('local hub commit file does not match its sha', ctx)
    }
    return JSON.parse(text) as LocalCommit
  }

  async #commitAt(repo: RepoRef, sha: string, ctx: HubErrorContext): Promise<LocalCommit> {
    const dir = this.#repoDir(repo)
    await this.#assertRepo(dir, ctx)
    return this.#readCommit(dir, assertCommitSha(sha, ctx), ctx)
  }

  async fileInfo(repo: RepoRef, sha: string, path: string): Promise<RemoteFile> {
    const ctx = { repo: repoLabel(repo), sha, path }
    assertSafeRepoPath(path, ctx)
    const files = (await this.#commitAt(repo, sha, ctx)).files
    const entry = Object.hasOwn(files, path) ? files[path] : undefined
    if (!entry) throw new HubNotFoundError('file not found at this commit', ctx)
    return { path, size: entry.size, sha256: entry.sha256 }
  }

  async listFiles(repo: RepoRef, sha: string): Promise<RemoteFile[]> {
    const ctx = { repo: repoLabel(repo), sha }
    const commit = await this.#commitAt(repo, sha, ctx)
    return Object.entries(commit.files).map(([path, e]) => ({ path, size: e.size, sha256: e.sha256 }))
  }

  async openFile(repo: RepoRef, sha: string, path: string, signal: AbortSignal): Promise<RemoteBody> {
    const info = await this.fileInfo(repo, sha, path)
    const object = join(this.#repoDir(repo), 'objects', info.sha256 as string)
    try {
      await stat(object)
    } catch {
      throw new HubNotFoundError('object missing from the local hub', { repo: repoLabel(repo), sha, path })
    }
    return { body: createReadStream(object, { signal }), contentLength: info.size }
  }
}
