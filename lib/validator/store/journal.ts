/**
 * The store's journal: JSON lines. The first is a header naming the record the journal
 * continues from ({"journal":2,"after":S}); each other line is one record with its sequence
 * number; every line carries a checksum (sealed.ts). An append is written completely and
 * fsynced before the caller hears it is recorded; a write that fails (a full disk) is cut
 * off again, so the next record starts on a clean line.
 *
 * The journal is read as a stream with a bound on the line length. A process killed
 * mid-write leaves at most a torn last line without its newline; opening cuts it off. Any
 * other damaged line, a record out of sequence or a line too long is corruption, reported
 * with the file and the line, never skipped.
 *
 * Journals from before checksums (format 1: no header, no sums) are read as they were
 * written; the store rewrites them on open.
 */
import { createReadStream } from 'node:fs'

import { type OpenWritable, type WritableFile, writeAll, writeFileDurable } from '../../util/durable-write.js'
import { splitLines } from '../../util/lines.js'
import { StoreCorruptError, StoreWriteError } from './errors.js'
import { asEntry, type JournalEntry } from './records.js'
import { openSealed, sealJson } from './sealed.js'

/** No record comes near this (a weights record for 256 uids is ~25 KB); a longer line is damage, not a record. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024

export interface JournalScan {
  /** 2: header and checksums; 1: from before checksums (an empty file included); null: no file */
  format: 1 | 2 | null
  /** The last record before this journal's first: its header's "after" (format 1: the first record's seq - 1) */
  after: number
  entries: JournalEntry[]
  /** Bytes of the whole lines, the part that stays when a torn tail is cut off */
  cleanLength: number
  /** Bytes of a torn last line */
  tornBytes: number
  /** The last line is a whole record that lost only its newline */
  missingNewline: boolean
}

const isHeader = (v: Record<string, unknown>): boolean => v.journal === 2 && Number.isSafeInteger(v.after) && (v.after as number) >= 0

/** Reads the journal at `path`. Read-only: safe while another process appends. */
export async function scanJournal(path: string): Promise<JournalScan> {
  const scan: JournalScan = { format: null, after: 0, entries: [], cleanLength: 0, tornBytes: 0, missingNewline: false }
  const stream = createReadStream(path, { highWaterMark: 1 << 20 })
  const corrupt = (line: number, why: string): StoreCorruptError => new StoreCorruptError(path, `line ${line}: ${why}`)
  try {
    let expected = 0 // the seq the next record must have; 0 until known
    for await (const line of splitLines(stream, MAX_RECORD_BYTES, Infinity, { stopAtLongLine: true })) {
      scan.format ??= 1
      if (line.tooLong) throw corrupt(line.number, `longer than the ${MAX_RECORD_BYTES} bytes a record may have (the file is damaged)`)
      const text = Buffer.from(line.bytes.buffer, line.bytes.byteOffset, line.bytes.byteLength).toString('utf8')
      const last = !line.terminated
      const parsed = parseLine(text, line.number === 1 ? null : scan.format)
      if (typeof parsed === 'string') {
        if (last) {
          scan.tornBytes = line.byteLength
          break
        }
        throw corrupt(line.number, parsed)
      }
      scan.cleanLength += line.byteLength + (last ? 0 : 1)
      scan.missingNewline = last
      if (parsed.kind === 'header') {
        scan.format = 2
        scan.after = parsed.after
        expected = parsed.after + 1
        continue
      }
      const entry = parsed.entry
      if (expected === 0) {
        scan.after = entry.seq - 1
        expected = entry.seq
      }
      if (entry.seq !== expected) throw corrupt(line.number, `holds record ${entry.seq} where record ${expected} belongs: records are missing or out of order`)
      expected++
      scan.entries.push(entry)
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return scan
    throw err
  } finally {
    stream.destroy()
  }
  scan.format ??= 1 // an empty file: what a format 1 store leaves after compacting
  return scan
}

type Parsed = { kind: 'header'; after: number } | { kind: 'entry'; entry: JournalEntry }

/** One line as a header or a record of `format` (null: the first line, which decides), or what is wrong with it. */
function parseLine(text: string, format: 1 | 2 | null): Parsed | string {
  const sealed = openSealed(text)
  if (!sealed.ok && sealed.problem !== 'no checksum') return sealed.problem === 'not JSON' ? 'is not JSON' : 'does not match its checksum (the line was damaged)'
  if (sealed.ok) {
    if (format === 1) return 'has a checksum in a journal written without them'
    if (format === null) return isHeader(sealed.value) ? { kind: 'header', after: sealed.value.after as number } : 'is not a journal header'
    const entry = asEntry(sealed.value)
    return entry ? { kind: 'entry', entry } : 'is not a store record'
  }
  if (format === 2) return 'has no checksum'
  const entry = asEntry(JSON.parse(text))
  return entry ? { kind: 'entry', entry } : 'is not a store record'
}

export class Journal {
  readonly path: string
  #fh: WritableFile | null
  /** Bytes of whole records in the file: where a failed append is cut back to. */
  #size: number
  /** Set when a failed write could not be undone: the file's end is unknown, so nothing more is written. */
  #broken: StoreWriteError | null = null

  private constructor(path: string, fh: WritableFile, size: number) {
    this.path = path
    this.#fh = fh
    this.#size = size
  }

  /** Opens a scanned format 2 journal for appending: a torn tail is cut off, a missing last newline written. */
  static async resume(path: string, scan: JournalScan, open: OpenWritable): Promise<Journal> {
    const fh = await open(path, 'a', 0o600)
    const journal = new Journal(path, fh, scan.cleanLength)
    try {
      if (scan.tornBytes > 0) {
        await fh.truncate(scan.cleanLength)
        await fh.datasync()
      }
      if (scan.missingNewline) await journal.#write(Buffer.from('\n'), 'the missing newline of the last record')
    } catch (err) {
      await journal.close()
      throw err
    }
    return journal
  }

  /** Replaces the file at `path` by a new journal continuing after record `after` (atomically), open for appending. */
  static async create(path: string, after: number, open: OpenWritable): Promise<Journal> {
    const header = `${sealJson({ journal: 2, after }, 16)}\n`
    try {
      await writeFileDurable(path, header, { mode: 0o600, open })
      return new Journal(path, await open(path, 'a', 0o600), Buffer.byteLength(header))
    } catch (err) {
      throw new StoreWriteError(path, `a new journal was not written: ${errText(err)}`, { cause: err })
    }
  }

  async append(entry: JournalEntry): Promise<void> {
    const line = Buffer.from(`${sealJson(entry, 16)}\n`, 'utf8')
    if (line.length > MAX_RECORD_BYTES) {
      throw new StoreWriteError(this.path, `record ${entry.seq} is ${line.length} bytes, more than the ${MAX_RECORD_BYTES} a record may have; not written`)
    }
    await this.#write(line, `record ${entry.seq}`)
  }

  async #write(bytes: Buffer, what: string): Promise<void> {
    if (this.#broken) throw this.#broken
    const fh = this.#fh
    if (!fh) throw new StoreWriteError(this.path, `the journal is closed; ${what} was not written`)
    try {
      await writeAll(fh, bytes, null)
    } catch (err) {
      // part of the line may be on disk: cut it off so that the next record starts on a clean line
      try {
        await fh.truncate(this.#size)
        await fh.datasync()
      } catch (undo) {
        this.#broken = new StoreWriteError(this.path, `a failed write left part of a record that could not be cut off (${errText(undo)}); nothing more is written`, { cause: undo })
      }
      throw new StoreWriteError(this.path, `${what} was not written: ${errText(err)}`, { cause: err })
    }
    try {
      await fh.datasync()
    } catch (err) {
      // after a failed fsync the kernel may have dropped earlier writes as well: trust nothing more
      this.#broken = new StoreWriteError(this.path, `fsync failed (${errText(err)}); nothing more is written`, { cause: err })
      throw new StoreWriteError(this.path, `${what} may not be on disk: fsync failed (${errText(err)})`, { cause: err })
    }
    this.#size += bytes.length
  }

  async close(): Promise<void> {
    const fh = this.#fh
    this.#fh = null
    await fh?.close()
  }
}

function errText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  const message = err instanceof Error ? err.message : String(err)
  return code && !message.includes(code) ? `${code}: ${message}` : message
}
