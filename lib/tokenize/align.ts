/**
 * From character spans of the rendered text to a token mask.
 *
 * The token ids are those of the whole text tokenized at once (what HF
 * apply_chat_template gives). The mask marks every token that overlaps a span,
 * as HF's assistant mask does (char_to_token over each span character).
 * @huggingface/tokenizers gives no offsets, so the boundaries are found by
 * tokenizing pieces, left to right, from the last boundary known to fall
 * between two tokens:
 *
 * - the piece up to the next span boundary is tokenized alone; when its tokens
 *   are the next tokens of the whole, the boundary falls between tokens (token
 *   strings map back to the text, so equal ids mean equal cuts);
 * - else a pre-tokenizer word straddles the boundary (e.g. ChatML's
 *   "assistant\n" followed by content starting with "\n"). Tokens of the whole
 *   are then skipped while decoding them provably gives text wholly before the
 *   boundary; the next token overlaps it and is marked. The next piece starts
 *   from the last boundary known to fall between tokens, so the work stays
 *   linear unless consecutive boundaries all straddle words.
 *
 * Spans starting at or past `maxTokens` are not looked at: truncation drops them.
 */
export type Encode = (text: string) => number[]
/** Token ids back to text, with nothing dropped or cleaned up. */
export type Decode = (ids: number[]) => string

function commonPrefix(ids: readonly number[], from: number, t: readonly number[]): number {
  let k = 0
  while (k < t.length && from + k < ids.length && ids[from + k] === t[k]) k++
  return k
}

export function alignMask(
  encode: Encode,
  decode: Decode,
  text: string,
  spans: ReadonlyArray<readonly [number, number]>,
  ids: readonly number[],
  maxTokens = Infinity,
): Uint8Array {
  const mask = new Uint8Array(ids.length)
  let from = 0 // a character offset known to fall between tokens ...
  let pos = 0 // ... and the index of the token that starts there
  /** index of the first token of `ids` not wholly before character `at` (>= from), and whether it starts exactly at `at` */
  const tokenAt = (at: number): { index: number; clean: boolean } => {
    const t = at > from ? encode(text.slice(from, at)) : []
    const k = commonPrefix(ids, pos, t)
    if (k === t.length) return { index: pos + k, clean: true }
    let j = pos + k
    for (; j < ids.length; j++) {
      const covered = decode(ids.slice(pos, j + 1))
      if (from + covered.length > at || text.slice(from, from + covered.length) !== covered) break
    }
    const before = decode(ids.slice(pos, j))
    return { index: j, clean: from + before.length === at && text.slice(from, at) === before }
  }
  for (const [s, e] of spans) {
    if (e <= s) continue
    if (pos >= maxTokens) break
    const start = tokenAt(s)
    if (start.clean) {
      from = s
      pos = start.index
    }
    if (start.index >= maxTokens) break
    const end = tokenAt(e)
    mask.fill(1, start.index, Math.min(ids.length, end.clean ? end.index : end.index + 1))
    if (end.clean) {
      from = e
      pos = end.index
    }
  }
  return mask
}
