/**
 * The bench's model shapes: random-weight models with the exact dimensions of
 * real ones, and `tiny` for tests and quick checks.
 */
import { InvalidArgumentError } from '../errors.js'
import { type HfConfigOptions, hfModelConfig } from '../tiny-model/config.js'
import { buildTinyTokenizer, type TinyArch } from '../tiny-model/tokenizer.js'
import { countParameters, type TinyDims } from '../tiny-model/weights.js'

export type BenchDtype = 'f32' | 'bf16'

/** A model shape: the config.json options (the dtype is chosen per run) and a name. */
export interface BenchShape extends Omit<HfConfigOptions, 'torchDtype'> {
  name: string
  /** write the tiny tokenizer beside the weights (its vocabulary is the model's) */
  tinyTokenizer?: boolean
}

function tinyShape(): BenchShape {
  const tok = buildTinyTokenizer('qwen2')
  return {
    name: 'tiny',
    arch: 'qwen2',
    dims: {
      vocabSize: Math.ceil((tok.maxTokenId + 1) / 64) * 64,
      hiddenSize: 64,
      intermediateSize: 128,
      numLayers: 2,
      numHeads: 4,
      numKvHeads: 2,
      qkvBias: true,
      tieWordEmbeddings: true,
    },
    maxPositionEmbeddings: 4096,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    bosTokenId: tok.bosTokenId,
    eosTokenId: tok.eosTokenId,
    tinyTokenizer: true,
  }
}

const qwen25 = (name: string, hidden: number, layers: number, heads: number, intermediate: number): BenchShape => ({
  name,
  arch: 'qwen2',
  dims: { vocabSize: 151936, hiddenSize: hidden, intermediateSize: intermediate, numLayers: layers, numHeads: heads, numKvHeads: 2, qkvBias: true, tieWordEmbeddings: true },
  maxPositionEmbeddings: 32768,
  rmsNormEps: 1e-6,
  ropeTheta: 1_000_000,
  bosTokenId: 151643,
  eosTokenId: 151643,
  extra: { sliding_window: 32768, max_window_layers: layers },
})

const SHAPES: Record<string, () => BenchShape> = {
  tiny: tinyShape,
  'qwen2.5-0.5b': () => qwen25('qwen2.5-0.5b', 896, 24, 14, 4864),
  'qwen2.5-1.5b': () => qwen25('qwen2.5-1.5b', 1536, 28, 12, 8960),
  'llama-3.2-1b': () => ({
    name: 'llama-3.2-1b',
    arch: 'llama',
    dims: { vocabSize: 128256, hiddenSize: 2048, intermediateSize: 8192, numLayers: 16, numHeads: 32, numKvHeads: 8, qkvBias: false, tieWordEmbeddings: true },
    maxPositionEmbeddings: 131072,
    rmsNormEps: 1e-5,
    ropeTheta: 500_000,
    bosTokenId: 128000,
    eosTokenId: 128001,
    extra: {
      head_dim: 64,
      rope_scaling: { rope_type: 'llama3', factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 },
    },
  }),
}

export const SHAPE_NAMES: readonly string[] = Object.keys(SHAPES)

export function benchShape(name: string): BenchShape {
  const make = Object.hasOwn(SHAPES, name) ? SHAPES[name] : undefined
  if (!make) throw new InvalidArgumentError(`--shape: unknown shape ${JSON.stringify(name)} (known: ${SHAPE_NAMES.join(', ')})`)
  return make()
}

export function shapeConfig(shape: BenchShape, dtype: BenchDtype): Record<string, unknown> {
  return hfModelConfig({
    arch: shape.arch,
    dims: shape.dims,
    maxPositionEmbeddings: shape.maxPositionEmbeddings,
    rmsNormEps: shape.rmsNormEps,
    ropeTheta: shape.ropeTheta,
    bosTokenId: shape.bosTokenId,
    eosTokenId: shape.eosTokenId,
    torchDtype: dtype === 'bf16' ? 'bfloat16' : 'float32',
    ...(shape.extra ? { extra: shape.extra } : {}),
  })
}

export function shapeParameters(shape: BenchShape): number {
  return countParameters(shape.dims)
}
