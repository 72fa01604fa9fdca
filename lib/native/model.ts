/**
 * The frozen base model: loaded (memory-mapped) once, then used for many
 * forward passes and LoRA runs. All heavy work runs off the JS thread.
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'

import { fromNativeError, InvalidArgumentError, ModelFileError } from '../errors.js'
import type { NativeModel, NativeModelInfo } from './binding.js'
import { loadAddon } from './load-addon.js'
import { checkDevice, type DeviceSpec } from './device.js'

export type ModelInfo = NativeModelInfo

export interface LoadBaseModelOptions {
  /** Default device of this model's runs: 'cpu' (default), 'cuda', 'cuda:N' or 'auto'. Weights are read into host memory either way. */
  device?: DeviceSpec
  /** Worker threads for the CPU backend; 0 or absent = all cores. */
  numThreads?: number
}

/** One token sequence; lossMask[i] truthy means token i is a prediction target. */
export interface TokenSequence {
  tokens: ArrayLike<number>
  lossMask: ArrayLike<number | boolean>
}

export interface ComputeLossOptions {
  /** Also return the logits of every position ([numTokens × vocabSize], row-major). */
  logits?: boolean
}

export interface SequenceLoss {
  lossSum: number
  numTargets: number
}

export interface LossResult {
  /** Sum of token cross-entropies over all target tokens. */
  lossSum: number
  numTargets: number
  /** lossSum / numTargets (NaN when there are no targets). */
  meanLoss: number
  sequences: SequenceLoss[]
  logits?: Float32Array
}

export class BaseModel {
  readonly dir: string
  readonly device: DeviceSpec
  readonly info: ModelInfo
  #native: NativeModel

  /** @internal use loadBaseModel() */
  constructor(dir: string, device: DeviceSpec, native: NativeModel) {
    this.dir = dir
    this.device = device
    this.#native = native
    this.info = native.info()
  }

  get disposed(): boolean {
    return this.#native.disposed
  }

  /** @internal the raw handle, for other parts of this library */
  get native(): NativeModel {
    if (this.#native.disposed) throw new InvalidArgumentError('the model has been disposed')
    return this.#native
  }

  /**
   * Forward pass over a batch of independent sequences (no attention crosses
   * them) and the masked next-token cross-entropy, as HF computes it with
   * labels = tokens where the mask is set and -100 elsewhere.
   */
  async computeLoss(sequences: TokenSequence[], options: ComputeLossOptions = {}): Promise<LossResult> {
    const packed = packSequences(sequences, this.info.vocabSize)
    let r
    try {
      r = await this.native.forward(packed.tokens, packed.lossMask, packed.offsets, options.logits === true)
    } catch (err) {
      throw fromNativeError(err)
    }
    const seqs: SequenceLoss[] = Array.from(r.seqLossSum, (lossSum, i) => ({ lossSum, numTargets: r.seqNumTargets[i] ?? 0 }))
    return {
      lossSum: r.lossSum,
      numTargets: r.numTargets,
      meanLoss: r.numTargets > 0 ? r.lossSum / r.numTargets : Number.NaN,
      sequences: seqs,
      ...(r.logits ? { logits: r.logits } : {}),
    }
  }

  /** Unmaps the weights once no run is using them. Idempotent. */
  dispose(): void {
    this.#native.dispose()
  }
}

export interface PackedBatch {
  tokens: Int32Array
  lossMask: Uint8Array
  offsets: number[]
}

/** Lays sequences end to end, checking every token id against the vocabulary. */
export function packSequences(sequences: TokenSequence[], vocabSize: number): PackedBatch {
  if (!Array.isArray(sequences) || sequences.length === 0) throw new InvalidArgumentError('sequences: expected a non-empty array')
  const offsets = [0]
  for (const [i, s] of sequences.entries()) {
    if (!s || typeof s.tokens?.length !== 'number' || typeof s.lossMask?.length !== 'number')
      throw new InvalidArgumentError(`sequences[${i}]: expected { tokens, lossMask }`)
    if (s.tokens.length === 0) throw new InvalidArgumentError(`sequences[${i}].tokens is empty`)
    if (s.lossMask.length !== s.tokens.length)
      throw new InvalidArgumentError(`sequences[${i}]: lossMask has ${s.lossMask.length} entries for ${s.tokens.length} tokens`)
    offsets.push((offsets[offsets.length - 1] ?? 0) + s.tokens.length)
  }
  const total = offsets[offsets.length - 1] ?? 0
  const tokens = new Int32Array(total)
  const lossMask = new Uint8Array(total)
  sequences.forEach((s, i) => {
    const base = offsets[i] ?? 0
    for (let j = 0; j < s.tokens.length; j++) {
      const id = s.tokens[j] as number
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
        throw new InvalidArgumentError(`sequences[${i}].tokens[${j}] = ${id} is not a token id in [0, ${vocabSize})`)
      tokens[base + j] = id
      lossMask[base + j] = s.lossMask[j] ? 1 : 0
    }
  })
  return { tokens, lossMask, offsets }
}

/**
 * Loads a Hugging Face model folder (config.json + safetensors, possibly sharded).
 * Errors name the file and tensor or field at fault (ModelFileError, ModelConfigError).
 */
export async function loadBaseModel(dir: string, options: LoadBaseModelOptions = {}): Promise<BaseModel> {
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('loadBaseModel: dir must be a non-empty string')
  const device = checkDevice(options.device ?? 'cpu', 'loadBaseModel: device')
  const threads = options.numThreads ?? 0
  if (!Number.isInteger(threads) || threads < 0 || threads > 1024)
    throw new InvalidArgumentError(`loadBaseModel: numThreads must be an integer in [0, 1024], got ${threads}`)
  const abs = resolve(dir)
  const st = await stat(abs).catch(() => undefined)
  if (!st?.isDirectory()) throw new ModelFileError('E_IO', `${abs}: not a model folder (missing or not a directory)`)
  const addon = loadAddon()
  let native: NativeModel
  try {
    native = await addon.loadModel(abs, 'cpu', threads)
  } catch (err) {
    throw fromNativeError(err)
  }
  return new BaseModel(abs, device, native)
}
