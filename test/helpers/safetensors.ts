/** Reads and writes safetensors files in tests (fixtures, hostile variants). */
import { readFileSync, writeFileSync } from 'node:fs'

export interface RawTensor {
  dtype: string
  shape: number[]
  data: Uint8Array
}

export function readSafetensors(path: string): Map<string, RawTensor> {
  const buf = readFileSync(path)
  const n = Number(buf.readBigUInt64LE(0))
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>
  const out = new Map<string, RawTensor>()
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue
    const [b, end] = e.data_offsets
    out.set(name, { dtype: e.dtype, shape: e.shape, data: new Uint8Array(buf.subarray(8 + n + b, 8 + n + end)) })
  }
  return out
}

export function tensorAs<T extends Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array>(
  t: RawTensor,
  Ctor: { new (buf: ArrayBuffer): T },
): T {
  return new Ctor(t.data.slice().buffer)
}

/** Builds safetensors bytes; `headerOverride` lets a test write a hostile header. */
export function encodeSafetensors(tensors: Map<string, RawTensor>, headerOverride?: (h: Record<string, unknown>) => unknown): Buffer {
  const header: Record<string, unknown> = {}
  const parts: Uint8Array[] = []
  let off = 0
  for (const [name, t] of tensors) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.data.length] }
    parts.push(t.data)
    off += t.data.length
  }
  let json = JSON.stringify(headerOverride ? headerOverride(header) : header)
  while ((8 + json.length) % 8 !== 0) json += ' '
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)))
  return Buffer.concat([len, Buffer.from(json), ...parts])
}

export function writeSafetensors(path: string, tensors: Map<string, RawTensor>, headerOverride?: (h: Record<string, unknown>) => unknown): void {
  writeFileSync(path, encodeSafetensors(tensors, headerOverride))
}

export function relativeError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  let d = 0
  let r = 0
  for (let i = 0; i < ref.length; i++) {
    const a = ours[i] as number
    const b = ref[i] as number
    d += (a - b) * (a - b)
    r += b * b
  }
  return Math.sqrt(d / r)
}
