/**
 * Rows to training sequences with a model's tokenizer and chat template
 * (row-tokenizer.ts says what the ids and the loss mask are).
 *
 * Rendering and tokenizing run in worker threads (worker-pool.ts), never on
 * the caller's event loop: they can be cancelled with an AbortSignal at any
 * moment, and a row that fails, passes the template limits, takes longer than
 * the row time limit or kills its worker fails alone, with its reason, while
 * the other rows are tokenized.
 */
import { InvalidArgumentError } from '../errors.js'
import type { DatasetRow } from '../dataset/types.js'
import { ChatTemplateError, TemplateLimitError, TokenizerError } from './errors.js'
import { readTokenizerFiles, type SpecialTokens, type TemplateSource, type TokenizerFiles } from './model-files.js'
import { RowTokenizer, type SpecialTokenIds, type TemplateChoice, type TokenizedRow } from './row-tokenizer.js'
import { checkTemplateLimits, type TemplateLimits } from './template-runtime.js'
import type { RenderedChat } from './turn-spans.js'
import { DEFAULT_WORKER_LIMITS, newClientKey, type PoolClient, type TokenizerWorkerPool, workerPool, type WorkerLimits } from './worker-pool.js'
import type { Failed, RowFailure } from './worker-protocol.js'

export interface ChatTokenizerOptions extends TemplateChoice {
  /** bounds on one render (defaults: DEFAULT_TEMPLATE_LIMITS) */
  templateLimits?: Partial<TemplateLimits>
  /** time per row and heap of the tokenizer workers (defaults: DEFAULT_WORKER_LIMITS) */
  workerLimits?: Partial<WorkerLimits>
}

export interface TokenizeOptions {
  /** keep at most this many tokens (the first ones); default: no limit */
  maxSeqLen?: number
  signal?: AbortSignal
}

export interface TokenizedRows {
  /** the rows kept, in input order */
  sequences: TokenizedRow[]
  /** for each sequence, the index of its row in the input */
  rowIndex: number[]
  /** rows given */
  rows: number
  /** rows cut to maxSeqLen (kept or dropped) */
  truncated: number
  /** rows left without any target token after truncation, and so dropped */
  dropped: number
  droppedRows: number[]
  /** rows that could not be tokenized, in input order (not in `sequences`) */
  failed: RowFailure[]
  /** tokens and target tokens over the kept sequences */
  tokens: number
  targetTokens: number
}

function checkedWorkerLimits(limits: Partial<WorkerLimits> | undefined): WorkerLimits {
  const l = { ...DEFAULT_WORKER_LIMITS, ...limits }
  for (const [k, v] of Object.entries(l))
    if (!Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError(`workerLimits.${k}: expected a positive integer, got ${v}`)
  return l
}

function checkMaxSeqLen(maxSeqLen = Infinity): number {
  if (maxSeqLen !== Infinity && (!Number.isInteger(maxSeqLen) || maxSeqLen < 2))
    throw new InvalidArgumentError(`maxSeqLen: expected an integer >= 2, got ${maxSeqLen}`)
  return maxSeqLen
}

function rethrow(f: Failed): never {
  if (f.code === 'E_CHAT_TEMPLATE') throw new ChatTemplateError(f.reason)
  if (f.code === 'E_TEMPLATE_LIMIT') throw new TemplateLimitError(f.reason)
  throw new TokenizerError(f.reason)
}

export class ChatTokenizer {
  readonly special: SpecialTokens
  readonly specialIds: SpecialTokenIds
  readonly templateSource: TemplateSource
  /** the chat template's text */
  readonly chatTemplate: string
  /** the largest token id the tokenizer can emit (a model's vocab_size must exceed it) */
  readonly maxTokenId: number
  /** vocabulary, encode and decode on the caller's thread: bounded work on the caller's own text */
  readonly #local: RowTokenizer
  readonly #pool: TokenizerWorkerPool
  readonly #client: PoolClient

  constructor(files: TokenizerFiles, options: ChatTokenizerOptions = {}) {
    const limits = checkTemplateLimits(options.templateLimits)
    const choice: TemplateChoice = {
      ...(options.chatTemplate !== undefined ? { chatTemplate: options.chatTemplate } : {}),
      ...(options.templateName !== undefined ? { templateName: options.templateName } : {}),
    }
    this.#local = new RowTokenizer(files, choice, limits)
    this.special = this.#local.special
    this.specialIds = this.#local.specialIds
    this.templateSource = this.#local.templateSource
    this.chatTemplate = this.#local.template.source
    this.maxTokenId = this.#local.maxTokenId
    const workerLimits = checkedWorkerLimits(options.workerLimits)
    this.#client = { key: newClientKey(), init: { files, options: choice, limits }, limits: workerLimits }
    this.#pool = workerPool(workerLimits.heapMb)
  }

  /** Reads tokenizer.json, tokenizer_config.json and chat_template.jinja from a model folder. */
  static async fromModelDir(dir: string, options: ChatTokenizerOptions = {}): Promise<ChatTokenizer> {
    return new ChatTokenizer(await readTokenizerFiles(dir), options)
  }

  /** Token ids of a text, with no special tokens added (the text may contain them). */
  encode(text: string): number[] {
    return this.#local.encode(text)
  }

  decode(ids: ArrayLike<number>): string {
    return this.#local.decode(ids)
  }

  /** The rendered conversation, as apply_chat_template(tokenize=False) gives it. */
  async render(row: DatasetRow, options: { addGenerationPrompt?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    const r = await this.#pool.render(this.#client, row, options.addGenerationPrompt ?? false, options.signal)
    return r.ok ? r.chat.text : rethrow(r)
  }

  /** The rendered conversation and where each assistant turn (the loss targets) sits in it. */
  async renderWithSpans(row: DatasetRow, options: { signal?: AbortSignal } = {}): Promise<RenderedChat> {
    const r = await this.#pool.render(this.#client, row, false, options.signal)
    return r.ok ? r.chat : rethrow(r)
  }

  /** One row, even one left without targets by truncation; throws ChatTemplateError, TemplateLimitError or TokenizerError when it cannot be tokenized. */
  async tokenizeRow(row: DatasetRow, options: TokenizeOptions = {}): Promise<TokenizedRow> {
    const [o] = await this.#pool.tokenize(this.#client, [row], checkMaxSeqLen(options.maxSeqLen), options.signal)
    return o!.ok ? o!.row : rethrow(o!)
  }

  /** Tokenizes rows, cutting each to maxSeqLen, dropping those left with no target and listing those that fail. */
  async tokenizeRows(rows: readonly DatasetRow[], options: TokenizeOptions = {}): Promise<TokenizedRows> {
    const outcomes = await this.#pool.tokenize(this.#client, rows, checkMaxSeqLen(options.maxSeqLen), options.signal)
    const out: TokenizedRows = { sequences: [], rowIndex: [], rows: rows.length, truncated: 0, dropped: 0, droppedRows: [], failed: [], tokens: 0, targetTokens: 0 }
    outcomes.forEach((o, i) => {
      if (!o.ok) {
        out.failed.push({ row: i, code: o.code, reason: o.reason })
        return
      }
      const t = o.row
      if (t.truncated) out.truncated++
      if (t.numTargets === 0) {
        out.dropped++
        out.droppedRows.push(i)
        return
      }
      out.sequences.push(t)
      out.rowIndex.push(i)
      out.tokens += t.tokens.length
      out.targetTokens += t.numTargets
    })
    return out
  }

  /** Frees this tokenizer in the idle workers (they never keep the process alive; they are shared with other tokenizers). */
  async close(): Promise<void> {
    this.#pool.unload(this.#client.key)
  }
}

/** The chat tokenizer of a Hugging Face model folder. */
export async function loadChatTokenizer(dir: string, options: ChatTokenizerOptions = {}): Promise<ChatTokenizer> {
  return ChatTokenizer.fromModelDir(dir, options)
}
