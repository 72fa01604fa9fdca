/**
 * GPT-2's byte-level alphabet (what the ByteLevel pre-tokenizer and decoder of
 * Hugging Face tokenizers use): each byte maps to one printable character.
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable: number[] = []
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b)
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b)
  for (let b = 0xae; b <= 0xff; b++) printable.push(b)
  const map: string[] = new Array(256)
  for (const b of printable) map[b] = String.fromCharCode(b)
  let next = 0
  for (let b = 0; b < 256; b++) if (map[b] === undefined) map[b] = String.fromCharCode(256 + next++)
  return map
})()

/** The byte-level spelling of a text, e.g. " the" -> "Ġthe". */
export function toByteLevel(text: string): string {
  let out = ''
  for (const b of Buffer.from(text, 'utf8')) out += BYTE_TO_CHAR[b]
  return out
}
