/**
 * Where each assistant turn sits in the rendering of the whole conversation, for
 * any chat template: ones that render earlier turns differently once later ones
 * follow (Qwen3 drops earlier turns' <think> blocks) and ones that always append
 * a generation header (the original Llama 3 template) included.
 *
 * A turn's span runs from the end of its header through its end-of-turn token:
 *
 * - content: render the conversation again with that one message's content
 *   replaced by a sentinel; the text before the first and after the last
 *   difference is common to both, so what lies between, in the real rendering,
 *   is what the template made of the content (trimmed, reasoning split off,
 *   or nothing at all). A second sentinel with other first and last characters
 *   settles the case where the content happens to start or end like the first.
 * - start: the header ends where rendering the messages before the turn with
 *   add_generation_prompt ends, when that rendering is a prefix of the whole
 *   (so what the template writes between header and content, like Qwen3's empty
 *   <think></think> on the last turn, is a target); else where the content starts.
 * - end: the end of the special token (an added token marked special, e.g.
 *   <|im_end|>, <|eot_id|>) the template writes right after the content, only
 *   whitespace between; without one, the content's end.
 *
 * Nothing the template adds after the last turn is a target.
 */
import { ChatTemplateError } from './errors.js'

export interface TemplateMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface RenderedChat {
  text: string
  /** [start, end) UTF-16 offsets in `text` of each assistant turn, in order */
  spans: Array<[number, number]>
}

export type RenderChat = (messages: TemplateMessage[], addGenerationPrompt: boolean) => string

// Private-use characters: a template has no reason to treat them specially, and the
// two sentinels differ at both ends.
const SENTINELS = ['\uE000flock-assistant-turn\uE001', '\uE002flock-assistant-turn\uE003'] as const

function withContent(messages: TemplateMessage[], k: number, content: string): TemplateMessage[] {
  const m = messages.slice()
  m[k] = { ...m[k]!, content }
  return m
}

/** Lengths of the common prefix and of the common suffix (not overlapping it) of a and b. */
function commonEnds(a: string, b: string): [number, number] {
  const n = Math.min(a.length, b.length)
  let p = 0
  while (p < n && a.charCodeAt(p) === b.charCodeAt(p)) p++
  let s = 0
  while (s < n - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++
  return [p, s]
}

function occurrences(text: string, part: string): number {
  let n = 0
  for (let i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length)) n++
  return n
}

/** [start, end) of what the template renders of message k's content in `text`; null when it renders none of it. */
function contentRegion(render: RenderChat, messages: TemplateMessage[], k: number, text: string, name: string): [number, number] | null {
  let p = Infinity
  let s = Infinity
  // a content that is a sentinel itself would render the same with it
  for (const sentinel of SENTINELS.filter((x) => x !== messages[k]!.content)) {
    const probe = render(withContent(messages, k, sentinel), false)
    if (probe === text) return null
    // (other messages may hold the sentinel's text too)
    if (occurrences(probe, sentinel) - occurrences(text, sentinel) > 1)
      throw new ChatTemplateError(`the chat template renders ${name} more than once, so its tokens cannot be located`)
    const [pp, ss] = commonEnds(text, probe)
    p = Math.min(p, pp)
    s = Math.min(s, ss)
    if (probe.slice(pp, probe.length - ss) === sentinel) break
  }
  return [p, text.length - s]
}

function isSpace(c: string | undefined): boolean {
  return c !== undefined && /\s/.test(c)
}

/**
 * @param specialTokens the tokenizer's special added tokens; an end-of-turn token is one of them
 * @param firstField    index in `conversations` of messages[0] (-1 when messages[0] is the system prompt)
 */
export function locateAssistantTurns(render: RenderChat, messages: TemplateMessage[], specialTokens: readonly string[], firstField = 0): RenderedChat {
  const byLength = [...specialTokens].filter((t) => t.length > 0).sort((a, b) => b.length - a.length)
  const text = render(messages, false)
  const spans: Array<[number, number]> = []
  let previousEnd = 0
  for (let k = 0; k < messages.length; k++) {
    if (messages[k]!.role !== 'assistant') continue
    const name = `conversations[${k + firstField}]`
    const region = contentRegion(render, messages, k, text, name)
    if (region === null) continue
    const [contentStart, contentEnd] = region
    const before = render(messages.slice(0, k), true)
    const start = before.length <= contentStart && text.startsWith(before) ? before.length : contentStart
    let i = contentEnd
    while (isSpace(text[i])) i++
    const eot = byLength.find((t) => text.startsWith(t, i))
    const end = eot === undefined ? contentEnd : i + eot.length
    if (start < previousEnd) throw new ChatTemplateError(`the chat template renders ${name} before the end of the previous assistant turn, so its tokens cannot be located`)
    if (end > start) spans.push([start, end])
    previousEnd = end
  }
  return { text, spans }
}
