/** The validator store's files in tests: a killed holder's leftovers, the journal's lines, and a file opener that fails like a full disk. */
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { openWritable, type OpenWritable, type WritableFile } from '../../lib/util/durable-write.js'

/** What a killed process leaves: its lock claim stays behind; removing it lets this process open the store again. */
export function abandon(dir: string): void {
  for (const name of readdirSync(dir)) if (name.startsWith('lock')) rmSync(join(dir, name))
}

/** The journal's lines without their checksums. */
export function journalLines(dir: string): unknown[] {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { sum: _sum, ...rest } = JSON.parse(l) as Record<string, unknown>
      return rest
    })
}

export interface DiskFaults {
  /** The next write writes half its bytes, and every write after it fails with ENOSPC, until `free()`; only to files whose path matches, when given. */
  fill(only?: RegExp): void
  free(): void
  /** ftruncate fails (EIO) from now on: a torn line cannot be cut off. */
  breakTruncate(): void
  /** fsync fails (EIO) from now on. */
  breakSync(): void
  /** Writes that wrote fewer bytes than asked. */
  shortWrites: number
  open: OpenWritable
}

const ioError = (code: string): Error => Object.assign(new Error(`${code}: injected`), { code })

/** An opener whose files fail on demand like a full disk or a failing device. */
export function faultyDisk(): DiskFaults {
  let full: 'no' | 'next-short' | 'yes' = 'no'
  let which: RegExp | undefined
  let truncateFails = false
  let syncFails = false
  const faults: DiskFaults = {
    fill: (only) => {
      full = 'next-short'
      which = only
    },
    free: () => void (full = 'no'),
    breakTruncate: () => void (truncateFails = true),
    breakSync: () => void (syncFails = true),
    shortWrites: 0,
    open: async (path, flags, mode) => {
      const fh = await openWritable(path, flags, mode)
      const file: WritableFile = {
        write: async (buffer, offset, length, position) => {
          if (which && !which.test(path)) return fh.write(buffer, offset, length, position)
          if (full === 'yes') throw ioError('ENOSPC')
          if (full === 'next-short' && length > 1) {
            full = 'yes'
            faults.shortWrites++
            return fh.write(buffer, offset, Math.floor(length / 2), position)
          }
          return fh.write(buffer, offset, length, position)
        },
        sync: async () => (syncFails ? Promise.reject(ioError('EIO')) : fh.sync()),
        datasync: async () => (syncFails ? Promise.reject(ioError('EIO')) : fh.datasync()),
        truncate: async (len) => (truncateFails ? Promise.reject(ioError('EIO')) : fh.truncate(len)),
        close: () => fh.close(),
      }
      return file
    },
  }
  return faults
}
