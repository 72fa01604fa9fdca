/**
 * trainAndEvaluate: trains a LoRA adapter on token sequences over a loaded base
 * model, then evaluates it. Runs on a native worker thread; progress arrives
 * through onProgress and an AbortSignal cancels it promptly.
 */
import { CancelledError, fromNativeError, InvalidArgumentError } from '../errors.js'
import { checkDevice, type DeviceSpec } from './device.js'
import type { BaseModel, TokenSequence } from './model.js'
import { packSequences } from './model.js'
import {
  type LoraSettings,
  resolveLora,
  resolveTraining,
  targetMask,
  toSeed,
  type TrainingSettings,
} from './train-settings.js'

export interface TrainProgress {
  phase: 'train' | 'eval'
  step: number
  totalSteps: number
  epoch: number
  /** Mean token loss of the step just taken (train phase). */
  loss: number
  lr: number
  gradNorm: number
  tokensPerSecond: number
  elapsedSeconds: number
  tokensSeen: number
  /** Eval phase: sequences evaluated so far, of evalTotal. */
  evalDone: number
  evalTotal: number
}

/** How eval loss is averaged. */
export type EvalLossDefinition =
  /** Mean over examples of each example's mean token loss: HF Trainer with eval batch size 1, as the live FLock validator reports. */
  | 'example-mean'
  /** Σ token losses / number of target tokens. */
  | 'token-mean'

export interface TrainAndEvaluateOptions {
  train: TokenSequence[]
  eval: TokenSequence[]
  lora?: Partial<LoraSettings>
  training?: Partial<TrainingSettings>
  /** Every random choice (LoRA init, dropout, data order) derives from it. Default 0. */
  seed?: number | bigint
  evalLossDefinition?: EvalLossDefinition
  /** Start from this PEFT adapter instead of a fresh init (rank and targets must match). */
  initAdapterDir?: string
  /** Write the trained adapter here in PEFT layout. */
  saveAdapterDir?: string
  /** Written into adapter_config.json as base_model_name_or_path. */
  baseModelName?: string
  /** Also evaluate the initial adapter (for a fresh init that is the base model: B = 0). */
  evalBefore?: boolean
  /** 'cpu' (default: the model's device), 'cuda', 'cuda:N', or 'auto' (a GPU when this build has CUDA and one is present, else the CPU, with the reason in the result). */
  device?: DeviceSpec
  /** 'default': fp32 on the CPU, bf16 matrix products on CUDA; or force 'fp32' | 'bf16' (bf16 needs CUDA). */
  precision?: 'default' | 'fp32' | 'bf16'
  onProgress?: (p: TrainProgress) => void
  signal?: AbortSignal
}

export interface EvalLosses {
  tokenMean: number
  exampleMean: number
  targets: number
  examples: number
  /** Examples without a target token, left out of exampleMean. */
  skippedExamples: number
  tokens: number
}

export interface TrainResult {
  /** The eval loss under `evalLossDefinition`. */
  evalLoss: number
  evalLossDefinition: EvalLossDefinition
  eval: EvalLosses
  evalBefore?: EvalLosses
  /** Mean token loss of every optimizer step. */
  trainLoss: number[]
  learningRates: number[]
  gradNorms: number[]
  steps: number
  epochs: number
  trainTokens: number
  trainTargets: number
  trainSeconds: number
  evalSeconds: number
  wallSeconds: number
  tokensPerSecond: number
  /** Resident set size sampled during the run (the process's, not the run's alone). */
  peakRssBytes: number
  /** Largest activation workspace held at once. */
  peakWorkspaceBytes: number
  loraParameters: number
  /** The device that ran, e.g. 'cpu' or 'cuda:0 (NVIDIA H100 80GB HBM3)'. */
  device: string
  /** Why 'auto' chose that device ('' when a device was named). */
  deviceNote: string
  seed: bigint
  lora: LoraSettings
  training: TrainingSettings
}

interface NativeTrainResult {
  eval: EvalLosses
  evalBefore?: EvalLosses
  steps: number
  epochsStarted: number
  trainTokens: number
  trainTargets: number
  trainSeconds: number
  evalSeconds: number
  tokensPerSecond: number
  peakRssBytes: number
  peakWorkspaceBytes: number
  loraParameters: number
  backend: string
  device: string
  deviceNote: string
  stepLoss: Float64Array
  stepLr: Float64Array
  stepGradNorm: Float64Array
}

const SCHEDULES = { linear: 0, cosine: 1, constant: 2 } as const

export async function trainAndEvaluate(model: BaseModel, options: TrainAndEvaluateOptions): Promise<TrainResult> {
  if (!options || typeof options !== 'object') throw new InvalidArgumentError('trainAndEvaluate: options are required')
  const lora = resolveLora(options.lora)
  const training = resolveTraining(options.training)
  const seed = toSeed(options.seed)
  const definition = options.evalLossDefinition ?? 'example-mean'
  if (definition !== 'example-mean' && definition !== 'token-mean')
    throw new InvalidArgumentError(`evalLossDefinition: must be 'example-mean' or 'token-mean' (got ${JSON.stringify(definition)})`)
  const vocab = model.info.vocabSize
  const train = packSequences(options.train, vocab)
  const evalSet = packSequences(options.eval, vocab)
  const device = checkDevice(options.device ?? model.device)
  const precision = options.precision ?? 'default'
  if (!['default', 'fp32', 'bf16'].includes(precision))
    throw new InvalidArgumentError(`precision: expected 'default', 'fp32' or 'bf16', got ${JSON.stringify(precision)}`)
  const signal = options.signal
  if (signal?.aborted) throw new CancelledError('E_CANCELLED', 'the run was cancelled before it started')

  const cancel = new Int32Array(new SharedArrayBuffer(4))
  const onAbort = () => Atomics.store(cancel, 0, 1)
  signal?.addEventListener('abort', onAbort, { once: true })
  const started = performance.now()
  let r: NativeTrainResult
  try {
    const native = model.native as unknown as {
      trainAndEvaluate(request: unknown, onProgress?: (p: TrainProgress) => void): Promise<NativeTrainResult>
    }
    r = await native.trainAndEvaluate(
      {
        train: { tokens: train.tokens, lossMask: train.lossMask, offsets: train.offsets },
        eval: { tokens: evalSet.tokens, lossMask: evalSet.lossMask, offsets: evalSet.offsets },
        lora: { targets: targetMask(lora.targetModules), rank: lora.r, alpha: lora.alpha, rslora: lora.useRslora, dropout: lora.dropout, gaussianInit: lora.init === 'gaussian' },
        config: {
          lr: training.learningRate,
          schedule: SCHEDULES[training.lrSchedule],
          warmupSteps: training.warmupSteps,
          warmupRatio: training.warmupRatio,
          epochs: training.epochs,
          maxSteps: training.maxSteps,
          microBatchSize: training.microBatchSize,
          gradAccum: training.gradAccumSteps,
          maxGradNorm: training.maxGradNorm,
          beta1: training.adamBeta1,
          beta2: training.adamBeta2,
          eps: training.adamEps,
          weightDecay: training.weightDecay,
          seed,
          shuffle: training.shuffle,
          evalBatchTokens: training.evalBatchTokens,
          evalBefore: options.evalBefore === true,
        },
        initAdapterDir: options.initAdapterDir,
        saveAdapterDir: options.saveAdapterDir,
        baseModelName: options.baseModelName ?? model.dir,
        device,
        precision,
        cancel,
      },
      options.onProgress,
    )
  } catch (err) {
    throw fromNativeError(err)
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
  return {
    evalLoss: definition === 'example-mean' ? r.eval.exampleMean : r.eval.tokenMean,
    evalLossDefinition: definition,
    eval: r.eval,
    ...(r.evalBefore ? { evalBefore: r.evalBefore } : {}),
    trainLoss: Array.from(r.stepLoss),
    learningRates: Array.from(r.stepLr),
    gradNorms: Array.from(r.stepGradNorm),
    steps: r.steps,
    epochs: r.epochsStarted,
    trainTokens: r.trainTokens,
    trainTargets: r.trainTargets,
    trainSeconds: r.trainSeconds,
    evalSeconds: r.evalSeconds,
    wallSeconds: (performance.now() - started) / 1000,
    tokensPerSecond: r.tokensPerSecond,
    peakRssBytes: r.peakRssBytes,
    peakWorkspaceBytes: r.peakWorkspaceBytes,
    loraParameters: r.loraParameters,
    device: r.device,
    deviceNote: r.deviceNote,
    seed,
    lora,
    training,
  }
}
