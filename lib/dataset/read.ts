/**
 * Reading and validating a dataset in one streaming pass: every problem with
 * its line and field (up to a cap), the content hash, and optionally a seeded
 * sample of the rows, so a file far larger than memory can be checked.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'

import { defaultCompetitionConfig } from '../config/defaults.js'
import { datasetLimitsSchema, type DatasetLimits } from '../config/schema.js'
import { CancelledError, InvalidArgumentError } from '../errors.js'
import { SeededRandom, type Seed } from '../util/seeded-random.js'
import { DatasetHasher } from './hash.js'
import { DatasetError, IssueList, type DatasetIssue, type IssueUnit } from './issues.js'
import { splitLines } from '../util/lines.js'
import { parseLine } from './parse-line.js'
import { checkRow } from './row-schema.js'
import type { DatasetRow } from './types.js'

/** Where rows come from. `rows` are JS values checked like parsed lines ("row N" in messages). */
export type DatasetSource =
  | { path: string }
  | { jsonl: string | Uint8Array }
  | { stream: AsyncIterable<Uint8Array | string> }
  | { rows: readonly unknown[] }

export interface ReadDatasetOptions {
  /** Defaults to defaultCompetitionConfig.dataset; a partial object overrides some fields. */
  limits?: Partial<DatasetLimits>
  /** Stop after this many problems (default 100). */
  maxIssues?: number
  /**
   * Keep a uniform random sample of at most maxRows rows (reservoir sampling seeded by `seed`),
   * or, with `first`, the first maxRows valid rows (the rest are validated and hashed, not kept).
   */
  sample?: { maxRows: number; seed: Seed } | { maxRows: number; first: true }
  signal?: AbortSignal
}

export interface DatasetValidation {
  ok: boolean
  /** rows (lines) read; when reading stopped early, the count so far */
  rowCount: number
  bytes: number
  /** the content hash (see hash.ts); null when the dataset is invalid */
  hash: string | null
  issues: DatasetIssue[]
  /** true when reading stopped at the issue cap: there may be more problems */
  issuesTruncated: boolean
}

export interface Dataset {
  /** every row, or the sample, in source order */
  rows: DatasetRow[]
  /** the 1-based line (or row number) of each entry of `rows` */
  lines: number[]
  /** what `lines` count: lines of JSONL text, or rows of an array source */
  unit: IssueUnit
  rowCount: number
  bytes: number
  hash: string
  /** true when `rows` is a sample smaller than the dataset */
  sampled: boolean
}

export function resolveDatasetLimits(limits: Partial<DatasetLimits> = {}): DatasetLimits {
  const r = datasetLimitsSchema.safeParse({ ...defaultCompetitionConfig.dataset, ...limits })
  if (!r.success) throw new InvalidArgumentError(`limits: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return r.data
}

interface SourceRecord {
  number: number
  /** the parsed JSON value, or undefined when the line is unusable (problems already reported) */
  value: unknown
  bytes: number
}

async function* textRecords(chunks: AsyncIterable<Uint8Array | string>, limits: DatasetLimits, issues: IssueList): AsyncGenerator<SourceRecord> {
  for await (const line of splitLines(chunks, limits.maxLineBytes, limits.maxBytes)) {
    const bytes = line.byteLength + (line.terminated ? 1 : 0)
    if (line.number > limits.maxRows) {
      issues.add(line.number, null, 'E_TOO_MANY_ROWS', `more than the limit of ${limits.maxRows} rows`)
      return
    }
    if (line.overLimit) {
      issues.add(line.number, null, 'E_TOO_LARGE', `the dataset is larger than the limit of ${limits.maxBytes} bytes`)
      return
    }
    if (line.tooLong) {
      issues.add(line.number, null, 'E_LINE_TOO_LONG', `line is ${line.byteLength} bytes, longer than the limit of ${limits.maxLineBytes}`)
      yield { number: line.number, value: undefined, bytes }
      continue
    }
    const parsed = parseLine(line.bytes, limits.maxDepth)
    if (!parsed.ok) for (const p of parsed.problems) issues.add(line.number, p.field, p.code, p.detail)
    yield { number: line.number, value: parsed.ok ? parsed.value : undefined, bytes }
  }
}

async function* arrayRecords(rows: readonly unknown[], limits: DatasetLimits, issues: IssueList): AsyncGenerator<SourceRecord> {
  for (let i = 0; i < rows.length; i++) {
    if (i >= limits.maxRows) {
      issues.add(i + 1, null, 'E_TOO_MANY_ROWS', `more than the limit of ${limits.maxRows} rows`)
      return
    }
    yield { number: i + 1, value: rows[i], bytes: 0 }
  }
}

async function* fileChunks(path: string, limits: DatasetLimits, issues: IssueList): AsyncGenerator<Uint8Array> {
  const st = await stat(path)
  if (st.size > limits.maxBytes) {
    issues.add(0, null, 'E_TOO_LARGE', `${path} is ${st.size} bytes, larger than the limit of ${limits.maxBytes}`)
    return
  }
  yield* createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>
}

function records(source: DatasetSource, limits: DatasetLimits, issues: IssueList): AsyncGenerator<SourceRecord> {
  if (source === null || typeof source !== 'object') throw new InvalidArgumentError('dataset source: expected { path } | { jsonl } | { stream } | { rows }')
  if ('rows' in source) {
    if (!Array.isArray(source.rows)) throw new InvalidArgumentError('dataset source: rows must be an array')
    return arrayRecords(source.rows, limits, issues)
  }
  if ('path' in source) {
    if (typeof source.path !== 'string' || source.path === '') throw new InvalidArgumentError('dataset source: path must be a non-empty string')
    return textRecords(fileChunks(source.path, limits, issues), limits, issues)
  }
  if ('jsonl' in source) {
    const j = source.jsonl
    if (typeof j !== 'string' && !(j instanceof Uint8Array)) throw new InvalidArgumentError('dataset source: jsonl must be a string or bytes')
    return textRecords((async function* () { yield j })(), limits, issues)
  }
  if ('stream' in source && source.stream && typeof (source.stream as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
    return textRecords(source.stream, limits, issues)
  throw new InvalidArgumentError('dataset source: expected { path } | { jsonl } | { stream } | { rows }')
}

/** Algorithm R over the valid rows, driven by a SeededRandom: deterministic for a seed and a row order; without one, the first rows. */
class Reservoir {
  readonly rows: Array<{ row: DatasetRow; line: number }> = []
  #seen = 0
  readonly #max: number
  readonly #rng: SeededRandom | null

  constructor(sample: ReadDatasetOptions['sample']) {
    if (sample && (!Number.isInteger(sample.maxRows) || sample.maxRows < 1))
      throw new InvalidArgumentError(`sample.maxRows: expected a positive integer, got ${sample.maxRows}`)
    this.#max = sample ? sample.maxRows : Infinity
    this.#rng = sample && 'seed' in sample ? new SeededRandom(sample.seed, 'dataset-sample') : null
  }

  get sampled(): boolean {
    return this.#seen > this.#max
  }

  offer(row: DatasetRow, line: number): void {
    const i = this.#seen++
    if (i < this.#max) this.rows.push({ row, line })
    else if (this.#rng) {
      const j = this.#rng!.int(i + 1)
      if (j < this.#max) this.rows[j] = { row, line }
    }
  }
}

function unitOf(source: DatasetSource): IssueUnit {
  return source !== null && typeof source === 'object' && 'rows' in source ? 'row' : 'line'
}

async function scan(source: DatasetSource, options: ReadDatasetOptions, keep: Reservoir | null): Promise<DatasetValidation> {
  const limits = resolveDatasetLimits(options.limits)
  const cap = options.maxIssues ?? 100
  if (!Number.isInteger(cap) || cap < 1) throw new InvalidArgumentError(`maxIssues: expected a positive integer, got ${cap}`)
  const fromArray = unitOf(source) === 'row'
  const issues = new IssueList(cap, unitOf(source))
  const hasher = new DatasetHasher()
  let rowCount = 0
  let bytes = 0
  try {
    for await (const rec of records(source, limits, issues)) {
      if (options.signal?.aborted) throw new CancelledError('E_CANCELLED', 'reading the dataset was cancelled')
      if (issues.full) {
        issues.truncated = true
        break
      }
      rowCount = rec.number
      bytes += rec.bytes
      if (rec.value === undefined) continue
      const row = checkRow(rec.value, limits, (field, code, detail) => issues.add(rec.number, field, code, detail))
      if (!row) continue
      if (fromArray) {
        // an array has no text: the size limits apply to the row's compact JSON
        const b = Buffer.byteLength(JSON.stringify(row.system === null ? { conversations: row.conversations } : row))
        bytes += b + 1
        if (b > limits.maxLineBytes) {
          issues.add(rec.number, null, 'E_LINE_TOO_LONG', `row is ${b} bytes as JSON, longer than the limit of ${limits.maxLineBytes}`)
          continue
        }
        if (bytes > limits.maxBytes) {
          issues.add(rec.number, null, 'E_TOO_LARGE', `the dataset is larger than the limit of ${limits.maxBytes} bytes`)
          break
        }
      }
      hasher.add(row)
      keep?.offer(row, rec.number)
    }
  } catch (err) {
    if (err instanceof CancelledError || err instanceof InvalidArgumentError) throw err
    issues.add(0, null, 'E_READ', `cannot read the dataset: ${(err as Error).message}`)
  }
  if (issues.items.length === 0 && rowCount < limits.minRows)
    issues.add(0, null, 'E_TOO_FEW_ROWS', `has ${rowCount} row(s), fewer than the minimum of ${limits.minRows}`)
  const ok = issues.items.length === 0
  return { ok, rowCount, bytes, hash: ok ? hasher.digest() : null, issues: issues.items, issuesTruncated: issues.truncated }
}

/**
 * Validates a dataset without keeping its rows (memory: one line + 32 bytes per row).
 * Never throws for bad data: problems are in the result. Throws InvalidArgumentError
 * for bad options and CancelledError when `signal` aborts.
 */
export async function validateDataset(source: DatasetSource, options: ReadDatasetOptions = {}): Promise<DatasetValidation> {
  return scan(source, options, null)
}

/**
 * Reads and validates a dataset, keeping every row (or the seeded sample).
 * Throws DatasetError listing every problem (up to the cap) when it is invalid.
 */
export async function readDataset(source: DatasetSource, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const keep = new Reservoir(options.sample)
  const v = await scan(source, options, keep)
  if (!v.ok || v.hash === null) throw new DatasetError(v.issues, v.issuesTruncated)
  const kept = [...keep.rows].sort((a, b) => a.line - b.line)
  return { rows: kept.map((k) => k.row), lines: kept.map((k) => k.line), unit: unitOf(source), rowCount: v.rowCount, bytes: v.bytes, hash: v.hash, sampled: keep.sampled }
}
