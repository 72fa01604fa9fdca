/**
 * The live FLock validator's own chat rendering (its SFTDataset with the Qwen ChatML
 * template), used under flock-off-s1 instead of the model's chat template:
 *
 *   system    "<|im_start|>system\n" + system.strip() + "<|im_end|>\n"            (when the row has one)
 *   each turn "<|im_start|>user\n" + user.strip() + "<|im_end|>\n<|im_start|>assistant\n"
 *             assistant.strip() + "<|im_end|>\n"                                   ← the loss is on all of this piece
 *
 * Each piece is tokenized on its own (no special tokens added) and the pieces' ids are
 * joined, so a merge never spans two pieces; the sequence is then cut to maxSeqLen.
 * Python's str.strip() and String.prototype.trim() strip the same whitespace except for
 * U+001C–U+001F and U+0085 (Python only) and U+FEFF (JS only): pythonStrip follows Python.
 */
import type { DatasetRow } from '../dataset/types.js'

export const STRIPPED_CHATML = 'stripped-chatml'

const PY_EXTRA_WHITESPACE = '\u001c\u001d\u001e\u001f\u0085'

/** Python's str.strip(): JS trim() plus the separators Python also counts as whitespace. */
export function pythonStrip(s: string): string {
  let a = 0
  let b = s.length
  const ws = (c: string) => (c !== '\ufeff' && /\s/.test(c)) || PY_EXTRA_WHITESPACE.includes(c)
  while (a < b && ws(s[a]!)) a++
  while (b > a && ws(s[b - 1]!)) b--
  return s.slice(a, b)
}

export interface StrippedChatmlPiece {
  text: string
  /** the piece's tokens are loss targets */
  target: boolean
}

export function strippedChatmlPieces(row: DatasetRow): StrippedChatmlPiece[] {
  const pieces: StrippedChatmlPiece[] = []
  if (row.system !== null) pieces.push({ text: `<|im_start|>system\n${pythonStrip(row.system)}<|im_end|>\n`, target: false })
  const c = row.conversations
  for (let i = 0; i + 1 < c.length; i += 2) {
    pieces.push({ text: `<|im_start|>user\n${pythonStrip(c[i]!.content)}<|im_end|>\n<|im_start|>assistant\n`, target: false })
    pieces.push({ text: `${pythonStrip(c[i + 1]!.content)}<|im_end|>\n`, target: true })
  }
  return pieces
}

/** Token ids and the loss mask of a whole row (the caller cuts them to its maxSeqLen). */
export function tokenizeStrippedChatml(encode: (text: string) => number[], row: DatasetRow): { ids: number[]; mask: Uint8Array } {
  const ids: number[] = []
  const mask: number[] = []
  for (const p of strippedChatmlPieces(row)) {
    const t = encode(p.text)
    for (const id of t) {
      ids.push(id)
      mask.push(p.target ? 1 : 0)
    }
  }
  return { ids, mask: Uint8Array.from(mask) }
}
