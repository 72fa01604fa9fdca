/**
 * One file's place in the cache: its record, its snapshot entry (a relative symlink to the
 * blob, as HF does; a copy where symlinks are refused) and the check that a copy already on
 * disk, ours or written by HF tools, has the content the hub announced.
 */
import { randomUUID } from 'node:crypto'
import { copyFile, mkdir, rename, rm, stat, symlink } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'

import { writeFileDurable } from '../util/durable-write.js'
import { readTextCapped } from '../util/read-capped.js'
import { type RepoCachePaths, recordFile } from './cache-layout.js'
import { hashLocalFile, hashMismatch } from './content-hash.js'
import type { HubErrorContext } from './errors.js'
import type { RemoteFile } from './hub.js'
import { resolveInside } from './safe-path.js'

/** A record is a path, a size and two hashes: anything larger is damage, read no further. */
const RECORD_MAX_BYTES = 64 * 1024

export interface FileRecord {
  readonly path: string
  readonly size: number
  readonly sha256: string
  readonly blob: string
}

/** Replaces `file` (creating its folder) atomically and durably. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  await writeFileDurable(file, text)
}

export async function writeRecord(paths: RepoCachePaths, record: FileRecord): Promise<void> {
  await writeFileAtomic(recordFile(paths, record.path), JSON.stringify(record))
}

/** The record of a cached file whose snapshot entry is still there with the recorded size. */
export async function readRecord(paths: RepoCachePaths, path: string, ctx: HubErrorContext): Promise<FileRecord | undefined> {
  let record: FileRecord
  try {
    record = JSON.parse(await readTextCapped(recordFile(paths, path), RECORD_MAX_BYTES)) as FileRecord
  } catch {
    return undefined
  }
  if (record.path !== path || typeof record.size !== 'number' || typeof record.sha256 !== 'string') return undefined
  try {
    const st = await stat(resolveInside(paths.snapshotDir, path, ctx))
    return st.isFile() && st.size === record.size ? record : undefined
  } catch {
    return undefined
  }
}

/**
 * Verifies a local copy against the hub's description. Resolves to its sha256 when it
 * matches, undefined when it is missing or differs.
 */
export async function verifyLocalCopy(file: string, remote: RemoteFile): Promise<string | undefined> {
  try {
    const st = await stat(file)
    if (!st.isFile() || st.size !== remote.size) return undefined
  } catch {
    return undefined
  }
  const actual = await hashLocalFile(file, remote.size)
  return actual.size === remote.size && hashMismatch(remote, actual) === undefined ? actual.sha256 : undefined
}

/** Points the snapshot entry for `path` at `blobPath`, replacing whatever was there atomically. */
export async function linkSnapshotEntry(paths: RepoCachePaths, path: string, blobPath: string, ctx: HubErrorContext): Promise<string> {
  const entry = resolveInside(paths.snapshotDir, path, ctx)
  await mkdir(dirname(entry), { recursive: true })
  const tmp = join(dirname(entry), `.${randomUUID()}.link`)
  try {
    try {
      await symlink(relative(dirname(entry), blobPath), tmp)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EACCES') throw err
      await copyFile(blobPath, tmp)
    }
    await rename(tmp, entry)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  return entry
}
