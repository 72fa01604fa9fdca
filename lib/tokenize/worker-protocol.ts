/** The messages between ChatTokenizer (worker-pool.ts) and the tokenizer workers (tokenize-worker.ts). */
import type { DatasetRow } from '../dataset/types.js'
import type { TokenizerFiles } from './model-files.js'
import type { TemplateChoice, TokenizedRow } from './row-tokenizer.js'
import type { TemplateLimits } from './template-runtime.js'
import type { RenderedChat } from './turn-spans.js'

/** Why one row could not be tokenized. */
export type RowFailureCode =
  | 'E_CHAT_TEMPLATE' // the template raised or failed on the row, or renders it so its turns cannot be located
  | 'E_TEMPLATE_LIMIT' // rendering passed the step, string or list bound (template-runtime.ts)
  | 'E_TOKENIZER' // the tokenizer failed on the rendered text
  | 'E_TOKENIZE_TIMEOUT' // the row took longer than the time limit; the worker was terminated
  | 'E_TOKENIZE_WORKER' // the worker died on the row (out of memory)

export interface RowFailure {
  /** index of the row in the input */
  row: number
  code: RowFailureCode
  reason: string
}

/** What a worker needs to build one ChatTokenizer's RowTokenizer. */
export interface TokenizerInit {
  files: TokenizerFiles
  options: TemplateChoice
  limits: TemplateLimits
}

/** `key` names the ChatTokenizer a request is for: a worker serves several. */
export type WorkerRequest =
  | { id: number; kind: 'load'; key: number; init: TokenizerInit }
  | { id: number; kind: 'unload'; key: number }
  | { id: number; kind: 'tokenize'; key: number; rows: DatasetRow[]; first: number; maxSeqLen: number }
  | { id: number; kind: 'render'; key: number; row: DatasetRow; addGenerationPrompt: boolean }

export type Failed = { ok: false; code: RowFailureCode; reason: string }
export type RowOutcome = { ok: true; row: TokenizedRow } | Failed
export type RenderOutcome = { ok: true; chat: RenderedChat } | Failed

export type WorkerReply =
  | { id: 0; kind: 'ready' }
  | { id: number; kind: 'loaded'; error: string | null }
  | { id: number; kind: 'row'; index: number; outcome: RowOutcome }
  | { id: number; kind: 'done' }
  | { id: number; kind: 'rendered'; outcome: RenderOutcome }
