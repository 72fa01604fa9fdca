/**
 * The eval set, read, validated and tokenized once so a validator can score many
 * datasets against it without repeating that work.
 */
import type { CompetitionConfig, CompetitionTraining } from '../config/index.js'
import { type DatasetIssue, readDataset, rowFailureIssues } from '../dataset/index.js'
import { InvalidArgumentError } from '../errors.js'
import { chatFormatOf, type ChatFormat, type ChatTokenizer, type TokenizedRows } from '../tokenize/index.js'
import { toDatasetSource } from './source.js'
import type { DatasetInput } from './types.js'

export interface PreparedEvalSet {
  readonly kind: 'flock-eval-set'
  readonly hash: string
  readonly rows: number
  readonly tokenized: TokenizedRows
  /** rows the tokenizer could not handle, each with its line: left out of the eval set */
  readonly failedRows: readonly DatasetIssue[]
  readonly maxSeqLen: number
  /** how its rows became text (the config's training.chatFormat) */
  readonly format: ChatFormat
  /** identifies the tokenizer it was made with */
  readonly tokenizer: ChatTokenizer
}

export function isPreparedEvalSet(v: unknown): v is PreparedEvalSet {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'flock-eval-set'
}

/** Eval sets are trusted more than miners' data but still checked: schema, with generous size limits. */
const EVAL_LIMITS = { maxBytes: 2 ** 31 - 1, maxRows: 10_000_000, minRows: 1 }

export async function prepareEvalSet(
  tokenizer: ChatTokenizer,
  input: DatasetInput,
  options: { maxSeqLen: number; config?: Pick<CompetitionConfig, 'dataset'> & { training?: Pick<CompetitionTraining, 'chatFormat'> }; signal?: AbortSignal },
): Promise<PreparedEvalSet> {
  if (!Number.isInteger(options.maxSeqLen) || options.maxSeqLen < 2) throw new InvalidArgumentError(`maxSeqLen: must be an integer >= 2, got ${options.maxSeqLen}`)
  const ds = await readDataset(toDatasetSource(input, 'eval'), {
    limits: { ...(options.config?.dataset ?? {}), ...EVAL_LIMITS },
    ...(options.signal ? { signal: options.signal } : {}),
  })
  const format = chatFormatOf(options.config?.training)
  const tokenized = await tokenizer.tokenizeRows(ds.rows, { maxSeqLen: options.maxSeqLen, format, ...(options.signal ? { signal: options.signal } : {}) })
  const failedRows = Object.freeze(rowFailureIssues(tokenized.failed, ds.lines, ds.unit))
  if (tokenized.sequences.length === 0)
    throw new InvalidArgumentError(
      `eval: no row has an assistant token left after truncation${failedRows.length > 0 ? ` (${failedRows.length} row(s) could not be tokenized; the first: ${failedRows[0]!.message})` : ''}`,
    )
  return Object.freeze({ kind: 'flock-eval-set', hash: ds.hash, rows: ds.rowCount, tokenized, failedRows, maxSeqLen: options.maxSeqLen, format, tokenizer })
}
