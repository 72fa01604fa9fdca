/**
 * A dataset file checked against the competition's limits, read once into memory so that
 * what was validated and hashed is byte for byte what gets uploaded.
 */

import type { CompetitionConfig, DatasetLimits } from '../config/index.js'
import { validateDataset, type DatasetIssue, type DatasetSource } from '../dataset/index.js'
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
}

export interface CheckDatasetOptions {
  path: string
  config: Pick<CompetitionConfig, 'dataset'>
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
  }
  return { report, bytes: v.ok ? bytes : null }
}

export async function checkDataset(options: CheckDatasetOptions): Promise<DatasetReport> {
  return (await readAndCheckDataset(options)).report
}
