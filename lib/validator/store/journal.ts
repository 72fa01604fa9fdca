/**
 * An append-only JSON-lines journal: one record per line, each write followed by an
 * fsync before the caller hears it is recorded. A process killed mid-write can leave at
 * most a torn last line (no newline, or not JSON); opening the journal cuts it off.
 * A damaged line anywhere else is corruption and is reported, never skipped.
 */
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises'

import { StoreCorruptError } from './errors.js'

export interface JournalContents {
  values: unknown[]
  /** Bytes of the torn tail that opening cut off (0 when the file ended cleanly). */
  discardedBytes: number
}

/** Parses the journal's text. Read-only: safe while another process appends. */
export function parseJournal(path: string, text: string): JournalContents & { cleanLength: number } {
  const values: unknown[] = []
  let start = 0
  let lineNo = 0
  while (start < text.length) {
    const nl = text.indexOf('\n', start)
    lineNo++
    const line = nl < 0 ? text.slice(start) : text.slice(start, nl)
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      if (nl < 0) break // torn tail
      throw new StoreCorruptError(path, `line ${lineNo} is not JSON`)
    }
    if (nl < 0) {
      // a whole record that lost only its newline: keep it
      values.push(value)
      return { values, discardedBytes: 0, cleanLength: -1 }
    }
    values.push(value)
    start = nl + 1
  }
  const cleanLength = Buffer.byteLength(text.slice(0, start))
  return { values, discardedBytes: Buffer.byteLength(text) - cleanLength, cleanLength }
}

export class Journal {
  readonly path: string
  #fh: FileHandle | null = null

  private constructor(path: string) {
    this.path = path
  }

  /** Opens for appending, repairing a torn tail first; returns the journal and what it held. */
  static async open(path: string): Promise<{ journal: Journal; contents: JournalContents }> {
    let text = ''
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const parsed = parseJournal(path, text)
    if (parsed.cleanLength >= 0 && parsed.discardedBytes > 0) await truncate(path, parsed.cleanLength)
    const journal = new Journal(path)
    journal.#fh = await open(path, 'a', 0o600)
    if (parsed.cleanLength < 0) await journal.#write('\n')
    return { journal, contents: { values: parsed.values, discardedBytes: parsed.discardedBytes } }
  }

  async append(value: unknown): Promise<void> {
    await this.#write(`${JSON.stringify(value)}\n`)
  }

  async #write(text: string): Promise<void> {
    if (!this.#fh) throw new Error(`journal ${this.path} is closed`)
    await this.#fh.write(text)
    await this.#fh.datasync()
  }

  /** Opens the file at `path` again, after it was replaced by a new (empty) one. */
  async reopen(): Promise<void> {
    await this.close()
    this.#fh = await open(this.path, 'a', 0o600)
  }

  async close(): Promise<void> {
    const fh = this.#fh
    this.#fh = null
    await fh?.close()
  }
}
