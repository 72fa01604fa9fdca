/**
 * Writes a tiny random model folder that loadBaseModel() and ChatTokenizer
 * read like a real one: config.json, model.safetensors (F32), tokenizer.json,
 * tokenizer_config.json with a chat template. Deterministic for a seed.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { InvalidArgumentError } from '../errors.js'
import type { Seed } from '../util/seeded-random.js'
import { architectureName, hfModelConfig } from './config.js'
import { encodeSafetensorsF32 } from './safetensors.js'
import { buildTinyTokenizer, type TinyArch } from './tokenizer.js'
import { tinyWeights, type TinyDims } from './weights.js'

export type { TinyArch } from './tokenizer.js'

export interface TinyModelOptions {
  /** 'qwen2' (Qwen2ForCausalLM, ChatML, tied embeddings) or 'llama' (LlamaForCausalLM, Llama 3 template). Default 'qwen2'. */
  arch?: TinyArch
  seed?: Seed
  hiddenSize?: number
  intermediateSize?: number
  numLayers?: number
  numHeads?: number
  numKvHeads?: number
}

export interface TinyModelInfo {
  dir: string
  arch: TinyArch
  architecture: 'Qwen2ForCausalLM' | 'LlamaForCausalLM'
  vocabSize: number
  /** largest id the tokenizer emits; always < vocabSize */
  maxTokenId: number
  files: string[]
}

export async function writeTinyModel(dir: string, options: TinyModelOptions = {}): Promise<TinyModelInfo> {
  const arch = options.arch ?? 'qwen2'
  if (arch !== 'qwen2' && arch !== 'llama') throw new InvalidArgumentError(`arch: expected 'qwen2' or 'llama', got ${String(arch)}`)
  const tok = buildTinyTokenizer(arch)
  const vocabSize = Math.ceil((tok.maxTokenId + 1) / 64) * 64
  const dims: TinyDims = {
    vocabSize,
    hiddenSize: options.hiddenSize ?? 64,
    intermediateSize: options.intermediateSize ?? 128,
    numLayers: options.numLayers ?? 2,
    numHeads: options.numHeads ?? 4,
    numKvHeads: options.numKvHeads ?? 2,
    qkvBias: arch === 'qwen2',
    tieWordEmbeddings: arch === 'qwen2',
  }
  for (const [k, v] of Object.entries(dims))
    if (typeof v === 'number' && (!Number.isInteger(v) || v <= 0)) throw new InvalidArgumentError(`${k}: expected a positive integer, got ${v}`)
  if (dims.hiddenSize % dims.numHeads !== 0 || (dims.hiddenSize / dims.numHeads) % 2 !== 0 || dims.numHeads % dims.numKvHeads !== 0)
    throw new InvalidArgumentError('hiddenSize / numHeads must be an even integer and numKvHeads must divide numHeads')
  const architecture = architectureName(arch)
  const config = hfModelConfig({
    arch,
    dims,
    maxPositionEmbeddings: 4096,
    rmsNormEps: 1e-6,
    ropeTheta: arch === 'qwen2' ? 10000.0 : 500000.0,
    bosTokenId: tok.bosTokenId,
    eosTokenId: tok.eosTokenId,
    torchDtype: 'float32',
  })
  await mkdir(dir, { recursive: true })
  const weights = encodeSafetensorsF32(tinyWeights(dims, options.seed ?? 0), { format: 'pt' })
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n')
  await writeFile(join(dir, 'model.safetensors'), weights)
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tok.tokenizerJson, null, 2) + '\n')
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(tok.tokenizerConfig, null, 2) + '\n')
  return { dir, arch, architecture, vocabSize, maxTokenId: tok.maxTokenId, files: ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'] }
}
