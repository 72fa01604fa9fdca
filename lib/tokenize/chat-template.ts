/**
 * Rendering a row with the model's chat template (@huggingface/jinja, with
 * transformers' trim_blocks/lstrip_blocks), and finding where each assistant
 * turn sits in the rendered text.
 */
import { Template } from '@huggingface/jinja'

import type { DatasetRow } from '../dataset/types.js'
import { ChatTemplateError } from './errors.js'
import type { SpecialTokens } from './model-files.js'

/** transformers' historical default: ChatML, used when a model has no chat template. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

export interface TemplateMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface RenderedChat {
  text: string
  /**
   * [start, end) UTF-16 offsets in `text` of each assistant turn: from the end
   * of the assistant header to the end of the turn, trailing whitespace
   * excluded; so the content plus the end-of-turn token (<|im_end|>, <|eot_id|>).
   */
  spans: Array<[number, number]>
}

export function rowMessages(row: DatasetRow): TemplateMessage[] {
  const m: TemplateMessage[] = row.system === null ? [] : [{ role: 'system', content: row.system }]
  for (const c of row.conversations) m.push({ role: c.role, content: c.content })
  return m
}

export class ChatTemplate {
  readonly source: string
  readonly #template: Template
  readonly #context: Record<string, string>

  constructor(source: string, special: SpecialTokens) {
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
  }

  render(messages: TemplateMessage[], addGenerationPrompt: boolean): string {
    try {
      // fresh message objects: a template may not mutate what the caller holds
      return this.#template.render({ ...this.#context, messages: messages.map((m) => ({ ...m })), add_generation_prompt: addGenerationPrompt })
    } catch (err) {
      throw new ChatTemplateError(`the chat template failed: ${(err as Error).message}`, { cause: err })
    }
  }

  /**
   * Renders the row and locates its assistant turns by rendering prefixes of
   * the conversation: turn k starts where render(messages[:k],
   * add_generation_prompt) ends and ends where render(messages[:k+1]) ends
   * (less trailing whitespace). Both must be prefixes of the full rendering;
   * templates that rewrite earlier turns (e.g. drop reasoning) are refused.
   */
  renderWithSpans(row: DatasetRow): RenderedChat {
    const messages = rowMessages(row)
    const text = this.render(messages, false)
    const spans: Array<[number, number]> = []
    for (let k = 0; k < messages.length; k++) {
      if (messages[k]!.role !== 'assistant') continue
      const before = this.render(messages.slice(0, k), true)
      const through = this.render(messages.slice(0, k + 1), false)
      if (!through.startsWith(before) || !text.startsWith(through))
        throw new ChatTemplateError(
          `the chat template is not prefix-stable at message ${k}: rendering the conversation up to it is not a prefix of rendering it whole, so the assistant tokens cannot be located`,
        )
      let end = through.length
      while (end > before.length && /\s/.test(through[end - 1]!)) end--
      if (end > before.length) spans.push([before.length, end])
    }
    return { text, spans }
  }
}
