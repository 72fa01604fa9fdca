/**
 * From character spans of the rendered text to a token mask.
 *
 * The token ids are always those of the whole text tokenized at once (what HF
 * apply_chat_template gives). The mask marks every token that overlaps an
 * assistant span, as HF's assistant mask does. @huggingface/tokenizers gives
 * no offsets, so:
 *
 * 1. Exact path: tokenize the text cut at every span boundary, piece by piece.
 *    If the pieces' tokens, end to end, equal the whole text's tokens, every
 *    boundary falls between tokens (token strings map back to the text, so
 *    equal ids mean equal cuts) and each span's tokens are its piece's.
 *    This holds whenever no pre-tokenizer word straddles a boundary, e.g. the
 *    span starts after a special token or after "\n" followed by a non-newline.
 * 2. Fallback, when a word straddles a boundary (e.g. ChatML's "assistant\n"
 *    followed by content starting with "\n"): a span starts at the first token
 *    where the whole text's tokens and those of the text before the span
 *    differ, and ends after the tokens of the text up to the span's end (plus
 *    the one token straddling that end, if any). Spans starting past
 *    `maxTokens` are not looked at: truncation drops them.
 */
export type Encode = (text: string) => number[]

export interface AlignedMask {
  mask: Uint8Array
  /** true when the exact path applied */
  exact: boolean
}

function commonPrefix(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a[i] === b[i]) i++
  return i
}

export function alignMask(encode: Encode, text: string, spans: ReadonlyArray<readonly [number, number]>, ids: readonly number[], maxTokens = Infinity): AlignedMask {
  const mask = new Uint8Array(ids.length)
  const cuts = [0]
  for (const [s, e] of spans) cuts.push(s, e)
  cuts.push(text.length)
  let pos = 0
  let exact = true
  const ranges: Array<[number, number]> = []
  for (let i = 0; i + 1 < cuts.length && exact; i++) {
    const piece = text.slice(cuts[i], cuts[i + 1])
    const t = piece.length > 0 ? encode(piece) : []
    for (let j = 0; j < t.length; j++) {
      if (ids[pos + j] !== t[j]) {
        exact = false
        break
      }
    }
    if (i % 2 === 1) ranges.push([pos, pos + t.length])
    pos += t.length
  }
  if (exact && pos === ids.length) {
    for (const [a, b] of ranges) mask.fill(1, a, b)
    return { mask, exact: true }
  }
  for (const [s, e] of spans) {
    const before = encode(text.slice(0, s))
    const start = commonPrefix(ids, before)
    if (start >= maxTokens) break
    const through = encode(text.slice(0, e))
    let end = commonPrefix(ids, through)
    if (end < through.length) end = Math.min(end + 1, ids.length)
    mask.fill(1, start, Math.max(start, end))
  }
  return { mask, exact: false }
}
