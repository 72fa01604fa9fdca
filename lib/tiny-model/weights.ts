/** The tensor layout of a Llama/Qwen2 model (HF names), and random F32 weights for a tiny one. */
import { SeededRandom, type Seed } from '../util/seeded-random.js'
import { numel, type F32Tensor } from './safetensors.js'

export { encodeSafetensorsF32, type F32Tensor } from './safetensors.js'

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

/** How a tensor is initialised: a matrix scaled by its fan-in, an RMSNorm gain, or a bias. */
export type TensorInit = { kind: 'matrix'; fanIn: number } | { kind: 'norm' } | { kind: 'bias' }

export interface TensorSpec {
  name: string
  shape: number[]
  init: TensorInit
}

/** Every tensor of the model, in file order. */
export function modelTensorSpecs(d: TinyDims): TensorSpec[] {
  const out: TensorSpec[] = []
  const matrix = (name: string, rows: number, cols: number) => out.push({ name, shape: [rows, cols], init: { kind: 'matrix', fanIn: cols } })
  const norm = (name: string, n: number) => out.push({ name, shape: [n], init: { kind: 'norm' } })
  const bias = (name: string, n: number) => out.push({ name, shape: [n], init: { kind: 'bias' } })
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

/** Σ elements over the tensors (the model's parameter count). */
export function countParameters(d: TinyDims): number {
  return modelTensorSpecs(d).reduce((n, s) => n + numel(s.shape), 0)
}

/**
 * HF's own init (std 0.02) gives near-uniform logits; these are wider so every
 * layer matters: matrices N(0,1)·1.5/sqrt(fan_in), biases N(0, 0.1²), norms 1 + N(0, 0.2²).
 */
export function tinyWeights(d: TinyDims, seed: Seed): Map<string, F32Tensor> {
  const rng = new SeededRandom(seed, 'tiny-model-weights')
  const out = new Map<string, F32Tensor>()
  for (const s of modelTensorSpecs(d)) {
    const init = s.init
    const sample =
      init.kind === 'matrix' ? () => (rng.normal() * 1.5) / Math.sqrt(init.fanIn) : init.kind === 'norm' ? () => 1 + 0.2 * rng.normal() : () => 0.1 * rng.normal()
    const data = new Float32Array(numel(s.shape))
    for (let i = 0; i < data.length; i++) data[i] = sample()
    out.set(s.name, { shape: s.shape, data })
  }
  return out
}
