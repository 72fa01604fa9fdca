/**
 * Writes that are checked complete. A write(2) on a full disk may write part of its buffer
 * and report how much; taking that for success leaves a torn file behind a "done". Here a
 * short write is continued until the data is written or the system reports why it cannot
 * be (ENOSPC, EIO, ...). A durable file is written beside its target, fsynced, renamed into
 * place, and its folder fsynced so the rename itself survives a crash.
 *
 * (write-file-atomic, used here before, ignores the byte count fs.write returns and does
 * not fsync the folder.)
 */
import { randomUUID } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

/** The file calls a writer makes; node's FileHandle is one. Tests wrap it to inject short writes and full disks. */
export interface WritableFile {
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }>
  sync(): Promise<void>
  datasync(): Promise<void>
  truncate(length?: number): Promise<void>
  close(): Promise<void>
}

export type OpenWritable = (path: string, flags: string, mode?: number) => Promise<WritableFile>

export const openWritable: OpenWritable = (path, flags, mode) => open(path, flags, mode)

/** Writes all of `data` at `position` (null: the file's current offset, the end for a file opened to append). */
export async function writeAll(file: WritableFile, data: Uint8Array, position: number | null): Promise<void> {
  let done = 0
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done, position === null ? null : position + done)
    if (!(bytesWritten > 0)) {
      throw Object.assign(new Error(`write made no progress after ${done} of ${data.length} bytes (disk full?)`), { code: 'ENOSPC' })
    }
    done += bytesWritten
  }
}

/** Fsyncs a folder so that a rename in it is durable; file systems that cannot do this for a folder are let be. */
export async function syncFolder(dir: string): Promise<void> {
  let fh
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'ENOTSUP' && code !== 'EPERM' && code !== 'EBADF') throw err
  } finally {
    await fh?.close()
  }
}

export interface DurableWriteOptions {
  mode?: number
  /** How files are opened for writing (default: node's fs). */
  open?: OpenWritable
}

/** Replaces `path` with `data` atomically and durably: either the old content or all of the new one, after a crash at any instant. */
export async function writeFileDurable(path: string, data: string | Uint8Array, options: DurableWriteOptions = {}): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  const tmp = `${path}.${randomUUID()}.tmp`
  const fh = await (options.open ?? openWritable)(tmp, 'wx', options.mode ?? 0o644)
  try {
    try {
      await writeAll(fh, bytes, 0)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncFolder(dirname(path))
}
