/**
 * Rendering a row with the model's chat template (@huggingface/jinja, with
 * transformers' trim_blocks/lstrip_blocks, under the limits of
 * template-runtime.ts), and finding where each assistant turn sits in the
 * rendered text (turn-spans.ts).
 */
import { Template } from '@huggingface/jinja'

import type { DatasetRow } from '../dataset/types.js'
import { ChatTemplateError, TemplateLimitError } from './errors.js'
import type { SpecialTokens } from './model-files.js'
import { renderBounded, type TemplateLimits } from './template-runtime.js'
import { locateAssistantTurns, type RenderedChat, type TemplateMessage } from './turn-spans.js'

export type { RenderedChat, TemplateMessage } from './turn-spans.js'

/** transformers' historical default: ChatML, used when a model has no chat template. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

export function rowMessages(row: DatasetRow): TemplateMessage[] {
  const m: TemplateMessage[] = row.system === null ? [] : [{ role: 'system', content: row.system }]
  for (const c of row.conversations) m.push({ role: c.role, content: c.content })
  return m
}

export class ChatTemplate {
  readonly source: string
  readonly #template: Template
  readonly #context: Record<string, string>
  readonly #limits: TemplateLimits
  readonly #specialTokens: readonly string[]

  /** @param specialTokens the tokenizer's special added tokens (end-of-turn tokens are found among them) */
  constructor(source: string, special: SpecialTokens, limits: TemplateLimits, specialTokens: readonly string[]) {
    this.source = source
    try {
      this.#template = new Template(source)
    } catch (err) {
      throw new ChatTemplateError(`the chat template does not parse: ${(err as Error).message}`, { cause: err })
    }
    const ctx: Record<string, string> = {}
    if (special.bos !== null) ctx['bos_token'] = special.bos
    if (special.eos !== null) ctx['eos_token'] = special.eos
    if (special.pad !== null) ctx['pad_token'] = special.pad
    if (special.unk !== null) ctx['unk_token'] = special.unk
    this.#context = ctx
    this.#limits = limits
    this.#specialTokens = specialTokens
  }

  render(messages: TemplateMessage[], addGenerationPrompt: boolean): string {
    try {
      // fresh message objects: a template may not mutate what the caller holds
      return renderBounded(this.#template, { ...this.#context, messages: messages.map((m) => ({ ...m })), add_generation_prompt: addGenerationPrompt }, this.#limits)
    } catch (err) {
      if (err instanceof TemplateLimitError) throw err
      throw new ChatTemplateError(`the chat template failed: ${(err as Error).message}`, { cause: err })
    }
  }

  /** The row rendered as apply_chat_template(tokenize=False) gives it, and its assistant turns' spans. */
  renderWithSpans(row: DatasetRow): RenderedChat {
    return locateAssistantTurns((m, g) => this.render(m, g), rowMessages(row), this.#specialTokens, row.system === null ? 0 : -1)
  }
}
