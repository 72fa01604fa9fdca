import type { DatasetSource } from '../dataset/index.js'
import { InvalidArgumentError } from '../errors.js'
import type { DatasetInput } from './types.js'

/** An array of rows is shorthand for `{ rows }`; anything else must be a dataset source object. */
export function toDatasetSource(input: DatasetInput, field: string): DatasetSource {
  if (Array.isArray(input)) return { rows: input }
  if (typeof input === 'object' && input !== null) {
    const keys = Object.keys(input)
    if (keys.length === 1 && ['path', 'jsonl', 'stream', 'rows'].includes(keys[0]!)) return input as DatasetSource
  }
  throw new InvalidArgumentError(
    `${field}: expected an array of rows or one of { path }, { jsonl }, { stream }, { rows } (a bare string is ambiguous: use { path } or { jsonl })`,
  )
}
