/**
 * The synchronous core of chat tokenization: one row to token ids and a loss
 * mask, as HF apply_chat_template(tokenize=True) gives the ids (no extra
 * special tokens: the template writes them). It runs inside the tokenizer
 * worker (tokenize-worker.ts); ChatTokenizer, on the caller's thread, uses it
 * only for what is cheap and bounded (vocabulary, encode, decode).
 *
 * The mask covers each assistant turn as turn-spans.ts locates it: what the
 * template renders for the message after its header, through its end-of-turn
 * token (<|im_end|>, <|eot_id|>); nothing of the system/user turns, the
 * assistant header, what follows the end-of-turn token (ChatML's "\n") or what
 * the template adds after the last turn. align.ts turns characters into tokens.
 */
import { Tokenizer } from '@huggingface/tokenizers'

import type { DatasetRow } from '../dataset/types.js'
import { alignMask } from './align.js'
import { CHATML_TEMPLATE, ChatTemplate, rowMessages, type RenderedChat } from './chat-template.js'
import { TokenizerError } from './errors.js'
import { pickChatTemplate, specialTokens, type SpecialTokens, type TemplateSource, type TokenizerFiles } from './model-files.js'
import { STRIPPED_CHATML, tokenizeStrippedChatml } from './stripped-chatml.js'
import type { TemplateLimits } from './template-runtime.js'

/** How rows become text: the model's chat template, or the live FLock validator's stripped ChatML (stripped-chatml.ts). */
export type ChatFormat = 'template' | typeof STRIPPED_CHATML

/** How a competition's rows become text (training.chatFormat; the model's chat template when unset): one answer for training, the eval set and `validate`. */
export function chatFormatOf(training?: { chatFormat?: ChatFormat | undefined }): ChatFormat {
  return training?.chatFormat ?? 'template'
}

/** Which chat template: the model's (picked as transformers picks it), or one given. */
export interface TemplateChoice {
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

export interface SpecialTokenIds {
  bos: number | null
  eos: number | null
  pad: number | null
}

/** The contents of tokenizer.json's added tokens marked special. */
function specialAddedTokens(tokenizerJson: Record<string, unknown>): string[] {
  const added = tokenizerJson['added_tokens']
  if (!Array.isArray(added)) return []
  return added.filter((t) => (t as { special?: unknown })?.special === true && typeof (t as { content?: unknown }).content === 'string').map((t) => (t as { content: string }).content)
}

export class RowTokenizer {
  readonly special: SpecialTokens
  readonly specialIds: SpecialTokenIds
  readonly template: ChatTemplate
  readonly templateSource: TemplateSource
  /** the largest token id the tokenizer can emit (a model's vocab_size must exceed it) */
  readonly maxTokenId: number
  readonly #tok: Tokenizer

  constructor(files: TokenizerFiles, options: TemplateChoice, limits: TemplateLimits) {
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
    const eotCandidates = specialAddedTokens(files.tokenizerJson)
    if (this.special.eos !== null) eotCandidates.push(this.special.eos)
    this.template = new ChatTemplate(picked?.template ?? CHATML_TEMPLATE, this.special, limits, eotCandidates)
    this.templateSource = picked?.source ?? 'chatml-default'
  }

  /** Token ids of a text, with no special tokens added (the text may contain them). */
  encode(text: string): number[] {
    return this.#tok.encode(text, { add_special_tokens: false }).ids
  }

  decode(ids: ArrayLike<number>): string {
    return ids.length === 0 ? '' : this.#tok.decode(Array.from(ids))
  }

  /** The rendered conversation, as apply_chat_template(tokenize=False) gives it. */
  render(row: DatasetRow, addGenerationPrompt: boolean): string {
    return this.template.render(rowMessages(row), addGenerationPrompt)
  }

  renderWithSpans(row: DatasetRow): RenderedChat {
    return this.template.renderWithSpans(row)
  }

  /** @param maxSeqLen an integer >= 2, or Infinity */
  tokenizeRow(row: DatasetRow, maxSeqLen: number, format: ChatFormat = 'template'): TokenizedRow {
    const { ids, mask } = format === STRIPPED_CHATML ? tokenizeStrippedChatml((s) => this.encode(s), row) : this.#templateTokens(row, maxSeqLen)
    const n = Math.min(ids.length, maxSeqLen)
    const tokens = Int32Array.from(ids.slice(0, n))
    const lossMask = mask.slice(0, n)
    let numTargets = 0
    for (let i = 1; i < n; i++) numTargets += lossMask[i]!
    return { tokens, lossMask, numTargets, truncated: ids.length > n }
  }

  /** The chat template's rendering, tokenized, with the mask located up to maxSeqLen. */
  #templateTokens(row: DatasetRow, maxSeqLen: number): { ids: number[]; mask: Uint8Array } {
    const { text, spans } = this.template.renderWithSpans(row)
    const ids = this.encode(text)
    const exact = (t: number[]) => (t.length === 0 ? '' : this.#tok.decode(t, { skip_special_tokens: false, clean_up_tokenization_spaces: false }))
    return { ids, mask: alignMask((s) => this.encode(s), exact, text, spans, ids, maxSeqLen) }
  }
}
