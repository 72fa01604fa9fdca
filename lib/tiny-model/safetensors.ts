/**
 * Writing safetensors files: the header, an in-memory F32 encoder for small
 * models, and a streaming writer (F32 or BF16) for models too large to hold in
 * one buffer.
 */
import { open } from 'node:fs/promises'

export type SafetensorsDtype = 'F32' | 'BF16'

export interface TensorEntry {
  name: string
  shape: number[]
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, BF16: 2 }

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

/** The u64 header length and the JSON header (padded to 8 bytes), and the size of the data after it. */
export function safetensorsHeader(
  entries: readonly TensorEntry[],
  dtype: SafetensorsDtype,
  metadata: Record<string, string> = {},
): { bytes: Buffer; dataBytes: number } {
  const header: Record<string, unknown> = { __metadata__: metadata }
  let offset = 0
  for (const e of entries) {
    const size = numel(e.shape) * BYTES[dtype]
    header[e.name] = { dtype, shape: e.shape, data_offsets: [offset, offset + size] }
    offset += size
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8)
  const bytes = Buffer.alloc(8 + Buffer.byteLength(json))
  bytes.writeBigUInt64LE(BigInt(Buffer.byteLength(json)), 0)
  bytes.write(json, 8, 'utf8')
  return { bytes, dataBytes: offset }
}

export interface F32Tensor {
  shape: number[]
  data: Float32Array
}

/** safetensors bytes of F32 tensors held in memory, little-endian. */
export function encodeSafetensorsF32(tensors: Map<string, F32Tensor>, metadata: Record<string, string> = {}): Buffer {
  const entries = [...tensors].map(([name, t]) => ({ name, shape: t.shape }))
  const { bytes, dataBytes } = safetensorsHeader(entries, 'F32', metadata)
  const out = Buffer.alloc(bytes.length + dataBytes)
  bytes.copy(out, 0)
  let pos = bytes.length
  for (const t of tensors.values()) {
    for (const x of t.data) {
      out.writeFloatLE(x, pos)
      pos += 4
    }
  }
  return out
}

/** F32 → BF16 with round-to-nearest-even (what torch's .to(torch.bfloat16) does); NaN stays NaN. */
export function toBf16(src: Float32Array, dst: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length)
  for (let i = 0; i < src.length; i++) {
    const b = bits[i]!
    if ((b & 0x7fffffff) > 0x7f800000) dst[i] = (b >>> 16) | 0x40
    else dst[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Streams tensors to `path`: `chunks(entry)` yields F32 chunks that together
 * hold exactly numel(entry.shape) values. Memory use is one chunk at a time.
 */
export async function writeSafetensorsStream<E extends TensorEntry>(
  path: string,
  entries: readonly E[],
  dtype: SafetensorsDtype,
  chunks: (entry: E) => Iterable<Float32Array>,
  metadata: Record<string, string> = {},
  onTensor?: (done: number, total: number) => void,
): Promise<number> {
  if (!littleEndian) throw new Error('writeSafetensorsStream: a big-endian host is not supported')
  const { bytes, dataBytes } = safetensorsHeader(entries, dtype, metadata)
  const fh = await open(path, 'w')
  try {
    await fh.write(bytes)
    let bf16 = new Uint16Array(0)
    for (const [i, e] of entries.entries()) {
      let written = 0
      for (const c of chunks(e)) {
        written += c.length
        if (dtype === 'F32') {
          await fh.write(new Uint8Array(c.buffer, c.byteOffset, c.byteLength))
        } else {
          if (bf16.length < c.length) bf16 = new Uint16Array(c.length)
          const out = bf16.subarray(0, c.length)
          toBf16(c, out)
          await fh.write(new Uint8Array(out.buffer, out.byteOffset, out.byteLength))
        }
      }
      if (written !== numel(e.shape)) throw new Error(`writeSafetensorsStream: ${e.name} got ${written} values for shape [${e.shape.join(', ')}]`)
      onTensor?.(i + 1, entries.length)
    }
  } finally {
    await fh.close()
  }
  return bytes.length + dataBytes
}
