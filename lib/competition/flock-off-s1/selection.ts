/**
 * What a flock-off-s1 submission is and when it may compete: its first SELECTION_SIZE rows,
 * every one of them a row of the eval set. Rows are compared as the live validator compares
 * them: as parsed JSON with sorted keys (so key order and formatting do not count, but every
 * key and value does — a row with `"system": null` is not the row without a system key).
 * The same functions serve `flock-miner select`, `flock-miner submit` and the validator.
 */
import { createReadStream } from 'node:fs'

import { FlockError } from '../../errors.js'
import { splitLines } from '../../util/lines.js'
import { parseLine } from '../../dataset/parse-line.js'
import { canonicalJson } from '../../util/canonical-json.js'
import { SELECTION_SIZE } from './constants.js'

/** A row's identity: its canonical JSON. */
export type RowKey = string

export const rowKey = (value: unknown): RowKey => canonicalJson(value)

/** The rows of a file, in order, with their text as written (so a selection can copy rows verbatim). */
export interface RawRows {
  keys: RowKey[]
  /** Each row's line as written, without its line break. */
  lines: string[]
}

/** A file's rows cannot be read as JSON lines (E_ROWS_UNREADABLE). */
export class RowsUnreadableError extends FlockError {
  constructor(path: string, line: number, detail: string) {
    super('E_ROWS_UNREADABLE', `${path}: line ${line}: ${detail}`)
  }
}

/** Reads the first `max` rows of a JSONL file (all when absent) as parsed JSON; blank lines are skipped, as the live loader does. */
export async function readRawRows(path: string, options: { max?: number; maxLineBytes?: number; maxDepth?: number; signal?: AbortSignal } = {}): Promise<RawRows> {
  const max = options.max ?? Infinity
  const out: RawRows = { keys: [], lines: [] }
  if (max <= 0) return out
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(options.signal ? { signal: options.signal } : {}) })
  try {
    for await (const line of splitLines(stream as AsyncIterable<Buffer>, options.maxLineBytes ?? 16 * 1024 * 1024)) {
      if (line.tooLong) throw new RowsUnreadableError(path, line.number, `line is ${line.byteLength} bytes, longer than the limit`)
      const text = Buffer.from(line.bytes).toString('utf8')
      if (text.trim() === '') continue
      const parsed = parseLine(line.bytes, options.maxDepth ?? 64)
      if (!parsed.ok) throw new RowsUnreadableError(path, line.number, parsed.problems.map((p) => p.detail).join('; '))
      out.keys.push(rowKey(parsed.value))
      out.lines.push(text)
      if (out.keys.length >= max) break
    }
  } finally {
    stream.destroy()
  }
  return out
}

/** A submission's selection: the keys of its first SELECTION_SIZE rows. */
export function readSelection(path: string, options: { signal?: AbortSignal } = {}): Promise<RawRows> {
  return readRawRows(path, { max: SELECTION_SIZE, ...options })
}

export type SelectionCheck = { ok: true } | { ok: false; reason: string }

/**
 * Whether a selection may compete against this eval set. As live: the number of distinct
 * selection rows found in the eval set must equal the selection's length, so a row not in
 * the eval set, or the same row twice, makes the whole submission ineligible.
 */
export function checkSelection(selection: readonly RowKey[], evalRows: ReadonlySet<RowKey>): SelectionCheck {
  if (selection.length === 0) return { ok: false, reason: 'the dataset has no rows' }
  const seen = new Map<RowKey, number>()
  const outside: number[] = []
  const repeated: Array<[number, number]> = []
  selection.forEach((k, i) => {
    const first = seen.get(k)
    if (first !== undefined) repeated.push([i + 1, first + 1])
    else seen.set(k, i)
    if (!evalRows.has(k)) outside.push(i + 1)
  })
  if (outside.length === 0 && repeated.length === 0) return { ok: true }
  const parts: string[] = []
  const list = (n: number[]) => (n.length > 8 ? `${n.slice(0, 8).join(', ')}, … (${n.length} in all)` : n.join(', '))
  if (outside.length > 0) parts.push(`row(s) ${list(outside)} of the first ${SELECTION_SIZE} are not rows of the eval set`)
  if (repeated.length > 0) parts.push(`row(s) ${list(repeated.map(([r]) => r))} repeat earlier rows (row ${repeated[0]![0]} is row ${repeated[0]![1]} again)`)
  return { ok: false, reason: parts.join('; ') }
}

/** Identical rows two selections share: |set(a) ∩ set(b)|. */
export function sharedRows(a: readonly RowKey[], b: readonly RowKey[]): number {
  const left = new Set(a)
  let n = 0
  for (const k of new Set(b)) if (left.has(k)) n++
  return n
}
