/** Random F32 weights for a tiny Llama/Qwen2 model, and the safetensors encoding. */
import { SeededRandom, type Seed } from '../util/seeded-random.js'

export interface TinyDims {
  vocabSize: number
  hiddenSize: number
  intermediateSize: number
  numLayers: number
  numHeads: number
  numKvHeads: number
  /** Qwen2: q/k/v carry a bias */
  qkvBias: boolean
  tieWordEmbeddings: boolean
}

export interface F32Tensor {
  shape: number[]
  data: Float32Array
}

/**
 * HF's own init (std 0.02) gives near-uniform logits; these are wider so every
 * layer matters: matrices N(0,1)·1.5/sqrt(fan_in), biases N(0, 0.1²), norms 1 + N(0, 0.2²).
 */
export function tinyWeights(d: TinyDims, seed: Seed): Map<string, F32Tensor> {
  const rng = new SeededRandom(seed, 'tiny-model-weights')
  const out = new Map<string, F32Tensor>()
  const tensor = (name: string, shape: number[], sample: () => number): void => {
    const n = shape.reduce((a, b) => a * b, 1)
    const data = new Float32Array(n)
    for (let i = 0; i < n; i++) data[i] = sample()
    out.set(name, { shape, data })
  }
  const matrix = (name: string, rows: number, cols: number): void => tensor(name, [rows, cols], () => (rng.normal() * 1.5) / Math.sqrt(cols))
  const norm = (name: string, n: number): void => tensor(name, [n], () => 1 + 0.2 * rng.normal())
  const bias = (name: string, n: number): void => tensor(name, [n], () => 0.1 * rng.normal())
  const headDim = d.hiddenSize / d.numHeads
  const q = d.numHeads * headDim
  const kv = d.numKvHeads * headDim
  matrix('model.embed_tokens.weight', d.vocabSize, d.hiddenSize)
  for (let l = 0; l < d.numLayers; l++) {
    const p = `model.layers.${l}`
    norm(`${p}.input_layernorm.weight`, d.hiddenSize)
    matrix(`${p}.self_attn.q_proj.weight`, q, d.hiddenSize)
    matrix(`${p}.self_attn.k_proj.weight`, kv, d.hiddenSize)
    matrix(`${p}.self_attn.v_proj.weight`, kv, d.hiddenSize)
    if (d.qkvBias) {
      bias(`${p}.self_attn.q_proj.bias`, q)
      bias(`${p}.self_attn.k_proj.bias`, kv)
      bias(`${p}.self_attn.v_proj.bias`, kv)
    }
    matrix(`${p}.self_attn.o_proj.weight`, d.hiddenSize, q)
    norm(`${p}.post_attention_layernorm.weight`, d.hiddenSize)
    matrix(`${p}.mlp.gate_proj.weight`, d.intermediateSize, d.hiddenSize)
    matrix(`${p}.mlp.up_proj.weight`, d.intermediateSize, d.hiddenSize)
    matrix(`${p}.mlp.down_proj.weight`, d.hiddenSize, d.intermediateSize)
  }
  norm('model.norm.weight', d.hiddenSize)
  if (!d.tieWordEmbeddings) matrix('lm_head.weight', d.vocabSize, d.hiddenSize)
  return out
}

/** safetensors bytes: u64 header length, JSON header (padded to 8 bytes), little-endian data. */
export function encodeSafetensorsF32(tensors: Map<string, F32Tensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata }
  let offset = 0
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] }
    offset += t.data.length * 4
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8)
  const out = Buffer.alloc(8 + Buffer.byteLength(json) + offset)
  out.writeBigUInt64LE(BigInt(Buffer.byteLength(json)), 0)
  out.write(json, 8, 'utf8')
  let pos = 8 + Buffer.byteLength(json)
  for (const t of tensors.values()) {
    for (const x of t.data) {
      out.writeFloatLE(x, pos)
      pos += 4
    }
  }
  return out
}
