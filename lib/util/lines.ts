/**
 * Splits a byte stream into lines without ever holding more than one line
 * (capped at maxLineBytes) in memory: the bytes of a longer line are counted
 * and dropped (or, with `stopAtLongLine`, reading stops there). Reading stops as
 * soon as the stream passes maxTotalBytes. Used for datasets and the validator's journal.
 */
export interface RawLine {
  /** 1-based */
  number: number
  /** the line without its "\n" (and without a trailing "\r"); empty when tooLong or overLimit */
  bytes: Uint8Array
  /** bytes of the line, "\r" included, "\n" excluded */
  byteLength: number
  tooLong: boolean
  /** false for a last line with no "\n" after it */
  terminated: boolean
  /** the stream passed maxTotalBytes within this line; it is the last one yielded */
  overLimit: boolean
}

export interface SplitLinesOptions {
  /** End at the first line longer than maxLineBytes, yielding it (tooLong, not terminated, byteLength so far) as the last. */
  stopAtLongLine?: boolean
}

export async function* splitLines(
  chunks: AsyncIterable<Uint8Array | string>,
  maxLineBytes: number,
  maxTotalBytes = Infinity,
  options: SplitLinesOptions = {},
): AsyncGenerator<RawLine> {
  let parts: Uint8Array[] = []
  let length = 0
  let number = 0
  let total = 0
  let pending = false

  const finish = (terminated: boolean): RawLine => {
    number++
    const tooLong = length > maxLineBytes
    let bytes: Uint8Array = tooLong ? new Uint8Array(0) : parts.length === 1 ? parts[0]! : Buffer.concat(parts)
    if (!tooLong && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1)
    const line = { number, bytes, byteLength: length, tooLong, terminated, overLimit: false }
    parts = []
    length = 0
    pending = false
    return line
  }
  const append = (piece: Uint8Array): void => {
    pending = true
    length += piece.length
    if (length <= maxLineBytes) parts.push(piece)
    else parts = []
  }
  const overLimit = (): RawLine => ({ number: number + 1, bytes: new Uint8Array(0), byteLength: length, tooLong: false, terminated: false, overLimit: true })

  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let start = 0
    for (;;) {
      const nl = buf.indexOf(0x0a, start)
      if (nl < 0) break
      total += nl + 1 - start
      append(buf.subarray(start, nl))
      if (total > maxTotalBytes) {
        yield overLimit()
        return
      }
      yield finish(true)
      start = nl + 1
    }
    if (start < buf.length) {
      total += buf.length - start
      // a copy: the producer may reuse its chunk buffer once we ask for the next one
      append(Uint8Array.prototype.slice.call(buf, start))
      if (total > maxTotalBytes) {
        yield overLimit()
        return
      }
      if (options.stopAtLongLine && length > maxLineBytes) {
        yield finish(false)
        return
      }
    }
  }
  if (pending) yield finish(false)
}
