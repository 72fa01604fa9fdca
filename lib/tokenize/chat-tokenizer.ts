/**
 * Rows to training sequences: the model's chat template rendered with
 * @huggingface/jinja, tokenized with @huggingface/tokenizers exactly as HF
 * apply_chat_template(tokenize=True) does (no extra special tokens: the
 * template writes them), with a loss mask on the assistant turns.
 *
 * The mask covers each assistant message's tokens and the end-of-turn token
 * the template writes after it (<|im_end|> for ChatML, <|eot_id|> for Llama 3),
 * and nothing of the system/user turns, the assistant header or what follows
 * the end-of-turn token (ChatML's "\n"): see ChatTemplate.renderWithSpans for
 * how the turns are located and align.ts for how characters become tokens.
 */
import { Tokenizer } from '@huggingface/tokenizers'

import { CancelledError, InvalidArgumentError } from '../errors.js'
import type { DatasetRow } from '../dataset/types.js'
import { alignMask } from './align.js'
import { CHATML_TEMPLATE, ChatTemplate, rowMessages, type RenderedChat } from './chat-template.js'
import { ChatTemplateError, TokenizerError } from './errors.js'
import { STRIPPED_CHATML, tokenizeStrippedChatml } from './stripped-chatml.js'
import { pickChatTemplate, readTokenizerFiles, specialTokens, type SpecialTokens, type TemplateSource, type TokenizerFiles } from './model-files.js'

export interface ChatTokenizerOptions {
  /** a Jinja chat template to use instead of the model's */
  chatTemplate?: string
  /** pick this entry when tokenizer_config's chat_template is a list of named templates */
  templateName?: string
}

/** One training sequence (feeds BaseModel.computeLoss as a TokenSequence). */
export interface TokenizedRow {
  tokens: Int32Array
  /** 1 on assistant tokens (targets), 0 elsewhere */
  lossMask: Uint8Array
  /** mask bits at positions >= 1: position 0 has no previous token to predict it from */
  numTargets: number
  /** the row was longer than maxSeqLen and was cut */
  truncated: boolean
}

/** How rows become text: the model's chat template, or the live FLock validator's stripped ChatML (stripped-chatml.ts). */
export type ChatFormat = 'template' | typeof STRIPPED_CHATML

export interface TokenizeOptions {
  /** keep at most this many tokens (the first ones); default: no limit */
  maxSeqLen?: number
  /** default 'template' */
  format?: ChatFormat
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
  /** tokens and target tokens over the kept sequences */
  tokens: number
  targetTokens: number
}

export interface SpecialTokenIds {
  bos: number | null
  eos: number | null
  pad: number | null
}

export class ChatTokenizer {
  readonly special: SpecialTokens
  readonly specialIds: SpecialTokenIds
  readonly template: ChatTemplate
  readonly templateSource: TemplateSource
  /** the largest token id the tokenizer can emit (a model's vocab_size must exceed it) */
  readonly maxTokenId: number
  readonly #tok: Tokenizer

  constructor(files: TokenizerFiles, options: ChatTokenizerOptions = {}) {
    try {
      this.#tok = new Tokenizer(files.tokenizerJson, files.tokenizerConfig)
    } catch (err) {
      throw new TokenizerError(`tokenizer.json is not a tokenizer @huggingface/tokenizers can load: ${(err as Error).message}`, { cause: err })
    }
    this.special = specialTokens(files.tokenizerConfig)
    const idOf = (t: string | null): number | null => (t === null ? null : (this.#tok.token_to_id(t) ?? null))
    this.specialIds = { bos: idOf(this.special.bos), eos: idOf(this.special.eos), pad: idOf(this.special.pad) }
    let maxId = -1
    for (const id of this.#tok.get_vocab(true).values()) if (id > maxId) maxId = id
    this.maxTokenId = maxId
    const picked = options.chatTemplate !== undefined ? { template: options.chatTemplate, source: 'option' as const } : pickChatTemplate(files, options.templateName)
    this.template = new ChatTemplate(picked?.template ?? CHATML_TEMPLATE, this.special)
    this.templateSource = picked?.source ?? 'chatml-default'
  }

  /** Reads tokenizer.json, tokenizer_config.json and chat_template.jinja from a model folder. */
  static async fromModelDir(dir: string, options: ChatTokenizerOptions = {}): Promise<ChatTokenizer> {
    return new ChatTokenizer(await readTokenizerFiles(dir), options)
  }

  /** Token ids of a text, with no special tokens added (the text may contain them). */
  encode(text: string): number[] {
    return this.#tok.encode(text, { add_special_tokens: false }).ids
  }

  decode(ids: ArrayLike<number>): string {
    return ids.length === 0 ? '' : this.#tok.decode(Array.from(ids))
  }

  /** The rendered conversation, as apply_chat_template(tokenize=False) gives it. */
  render(row: DatasetRow, options: { addGenerationPrompt?: boolean } = {}): string {
    return this.template.render(rowMessages(row), options.addGenerationPrompt ?? false)
  }

  renderWithSpans(row: DatasetRow): RenderedChat {
    return this.template.renderWithSpans(row)
  }

  tokenizeRow(row: DatasetRow, options: TokenizeOptions = {}): TokenizedRow {
    const maxSeqLen = options.maxSeqLen ?? Infinity
    if (maxSeqLen !== Infinity && (!Number.isInteger(maxSeqLen) || maxSeqLen < 2))
      throw new InvalidArgumentError(`maxSeqLen: expected an integer >= 2, got ${maxSeqLen}`)
    if (options.format === STRIPPED_CHATML) return finishRow(tokenizeStrippedChatml((s) => this.encode(s), row, maxSeqLen))
    const { text, spans } = this.template.renderWithSpans(row)
    const ids = this.encode(text)
    const { mask } = alignMask((s) => this.encode(s), text, spans, ids, maxSeqLen)
    const n = Math.min(ids.length, maxSeqLen)
    const tokens = Int32Array.from(ids.slice(0, n))
    const lossMask = mask.slice(0, n)
    let numTargets = 0
    for (let i = 1; i < n; i++) numTargets += lossMask[i]!
    return { tokens, lossMask, numTargets, truncated: ids.length > n }
  }

  /** Tokenizes rows, cutting each to maxSeqLen and dropping those left with no target. */
  tokenizeRows(rows: readonly DatasetRow[], options: TokenizeOptions = {}): TokenizedRows {
    const out: TokenizedRows = { sequences: [], rowIndex: [], rows: rows.length, truncated: 0, dropped: 0, droppedRows: [], tokens: 0, targetTokens: 0 }
    rows.forEach((row, i) => {
      if (options.signal?.aborted) throw new CancelledError('E_CANCELLED', 'tokenization was cancelled')
      let t: TokenizedRow
      try {
        t = this.tokenizeRow(row, options)
      } catch (err) {
        if (err instanceof ChatTemplateError) throw new ChatTemplateError(`row ${i}: ${err.message}`, { cause: err })
        throw err
      }
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
}

function finishRow(r: { ids: number[]; mask: Uint8Array; fullLength: number }): TokenizedRow {
  let numTargets = 0
  for (let i = 1; i < r.ids.length; i++) numTargets += r.mask[i]!
  return { tokens: Int32Array.from(r.ids), lossMask: r.mask, numTargets, truncated: r.fullLength > r.ids.length }
}

/** The chat tokenizer of a Hugging Face model folder. */
export async function loadChatTokenizer(dir: string, options: ChatTokenizerOptions = {}): Promise<ChatTokenizer> {
  return ChatTokenizer.fromModelDir(dir, options)
}
