/**
 * Content hashes the hub announces: sha256 for LFS/xet files, the git blob id (sha1 over
 * "blob <size>\0" + content) for files kept in git. Both are computed in one pass.
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'

import type { RemoteFile } from './hub.js'

export class ContentHasher {
  readonly #sha256: Hash = createHash('sha256')
  readonly #git: Hash
  constructor(size: number) {
    this.#git = createHash('sha1').update(`blob ${size}\0`)
  }
  update(chunk: Uint8Array): void {
    this.#sha256.update(chunk)
    this.#git.update(chunk)
  }
  digest(): { sha256: string; gitOid: string } {
    return { sha256: this.#sha256.digest('hex'), gitOid: this.#git.digest('hex') }
  }
}

/** Which announced hash disagrees with the content, if any ("sha256" or "git blob id"). */
export function hashMismatch(expected: RemoteFile, actual: { sha256: string; gitOid: string }): string | undefined {
  if (expected.sha256 !== undefined && expected.sha256 !== actual.sha256) return 'sha256'
  if (expected.gitOid !== undefined && expected.gitOid !== actual.gitOid) return 'git blob id'
  return undefined
}

/** Hashes a local file; size is taken from the bytes read, of which at most one more than `size` is read (a file that grows). */
export async function hashLocalFile(file: string, size: number): Promise<{ size: number; sha256: string; gitOid: string }> {
  const hasher = new ContentHasher(size)
  let read = 0
  for await (const chunk of createReadStream(file, { end: size }) as AsyncIterable<Buffer>) {
    read += chunk.byteLength
    hasher.update(chunk)
  }
  return { size: read, ...hasher.digest() }
}
