/**
 * A dataset file checked against the competition's limits (and, given a tokenizer, every
 * row against the model's chat template and tokenizer), read once into memory so that
 * what was validated and hashed is byte for byte what gets uploaded.
 */

import type { CompetitionConfig, DatasetLimits } from '../config/index.js'
import { readDataset, rowFailureIssues, validateDataset, type DatasetIssue, type DatasetSource } from '../dataset/index.js'
import { chatFormatOf, type ChatTokenizer } from '../tokenize/index.js'
import { readFileCapped } from '../util/read-capped.js'

export interface DatasetReport {
  path: string
  ok: boolean
  /** rows read (the count so far when reading stopped early) */
  rows: number
  bytes: number
  /** the dataset's content hash (order- and formatting-stable); null when invalid */
  contentHash: string | null
  /** every problem, with its line and field, up to `maxIssues` */
  issues: DatasetIssue[]
  /** reading stopped at the cap: there may be more problems */
  issuesTruncated: boolean
  limits: DatasetLimits
  /** when the rows were tokenized: with whose tokenizer, and how many rows are left without a target within maxSeqLen (training drops them) */
  tokenized: { tokenizer: string; rows: number; failed: number; noTargets: number; maxSeqLen: number | null } | null
}

export interface CheckDatasetOptions {
  path: string
  config: Pick<CompetitionConfig, 'dataset'> & { training?: Pick<CompetitionConfig['training'], 'maxSeqLen' | 'chatFormat'> }
  /** tokenize every row of a valid dataset with it; rows it cannot handle are problems (E_TOKENIZE) */
  tokenizer?: { tokenizer: ChatTokenizer; name: string; onStart?: (rows: number) => void }
  /** default 100 */
  maxIssues?: number
  signal?: AbortSignal
}

export interface CheckedDataset {
  report: DatasetReport
  /** the file's bytes when they could be read (within the size limit) */
  bytes: Uint8Array | null
}

export async function readAndCheckDataset(options: CheckDatasetOptions): Promise<CheckedDataset> {
  const limits = options.config.dataset
  let bytes: Uint8Array | null = null
  try {
    // capped on the bytes read: /dev/zero or a pipe reports a size of 0
    bytes = await readFileCapped(options.path, limits.maxBytes)
  } catch {
    // too large or unreadable: validateDataset below reports it (E_TOO_LARGE, E_READ)
  }
  // Too large or unreadable: validating from the path reports the size or read problem.
  const source: DatasetSource = bytes ? { jsonl: bytes } : { path: options.path }
  const v = await validateDataset(source, {
    limits,
    maxIssues: options.maxIssues ?? 100,
    ...(options.signal ? { signal: options.signal } : {}),
  })
  const report: DatasetReport = {
    path: options.path,
    ok: v.ok,
    rows: v.rowCount,
    bytes: v.bytes,
    contentHash: v.hash,
    issues: v.issues,
    issuesTruncated: v.issuesTruncated,
    limits,
    tokenized: null,
  }
  if (v.ok && options.tokenizer) await tokenizeRows(report, source, options)
  return { report, bytes: report.ok ? bytes : null }
}

/** What training would do to each row: the rows the tokenizer cannot handle become problems, each with its line. */
async function tokenizeRows(report: DatasetReport, source: DatasetSource, options: CheckDatasetOptions): Promise<void> {
  const signal = options.signal ? { signal: options.signal } : {}
  const ds = await readDataset(source, { limits: report.limits, ...signal })
  const maxSeqLen = options.config.training?.maxSeqLen ?? Infinity
  options.tokenizer!.onStart?.(ds.rows.length)
  const t = await options.tokenizer!.tokenizer.tokenizeRows(ds.rows, { maxSeqLen, format: chatFormatOf(options.config.training), ...signal })
  const failed = rowFailureIssues(t.failed, ds.lines, ds.unit)
  const cap = options.maxIssues ?? 100
  report.tokenized = { tokenizer: options.tokenizer!.name, rows: ds.rows.length, failed: failed.length, noTargets: t.dropped, maxSeqLen: Number.isFinite(maxSeqLen) ? maxSeqLen : null }
  if (failed.length === 0) return
  report.ok = false
  report.contentHash = null
  report.issues = failed.slice(0, cap)
  report.issuesTruncated = failed.length > cap
}

export async function checkDataset(options: CheckDatasetOptions): Promise<DatasetReport> {
  return (await readAndCheckDataset(options)).report
}
