/**
 * Content hash of a dataset, for duplicate detection: independent of row order
 * and of JSON formatting (whitespace, key order, escapes), sensitive to any
 * change of content and to how many times a row occurs.
 *
 *   row digest   = sha256(JSON.stringify([system, [[role, content], ...]]))   (system null when absent)
 *   dataset hash = sha256("flock-dataset-v1\n" + row digests sorted bytewise, concatenated)
 */
import { createHash } from 'node:crypto'

import type { DatasetRow } from './types.js'

/** The canonical serialization of a row (what the row digest hashes). */
export function canonicalRowJson(row: DatasetRow): string {
  return JSON.stringify([row.system, row.conversations.map((m) => [m.role, m.content])])
}

export function rowDigest(row: DatasetRow): Buffer {
  return createHash('sha256').update(canonicalRowJson(row), 'utf8').digest()
}

/** Accumulates rows one at a time (32 bytes kept per row) and gives the dataset hash. */
export class DatasetHasher {
  // latin1 strings: one byte per char, compact in V8 and sorted bytewise by the default sort
  readonly #digests: string[] = []

  add(row: DatasetRow): void {
    this.#digests.push(rowDigest(row).toString('latin1'))
  }

  get count(): number {
    return this.#digests.length
  }

  /** Hex sha256; the hasher can keep taking rows afterwards. */
  digest(): string {
    const h = createHash('sha256').update('flock-dataset-v1\n')
    for (const d of [...this.#digests].sort()) h.update(d, 'latin1')
    return h.digest('hex')
  }
}

export function hashRows(rows: Iterable<DatasetRow>): string {
  const h = new DatasetHasher()
  for (const r of rows) h.add(r)
  return h.digest()
}
