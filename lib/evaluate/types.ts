/** Options and result of evaluateDataset(). */
import type { CompetitionConfig } from '../config/index.js'
import type { DatasetIssue, DatasetSource } from '../dataset/index.js'
import type { DeviceSpec } from '../native/device.js'
import type { BaseModel } from '../native/model.js'
import type { ChatTokenizer } from '../tokenize/index.js'
import type { EvalLossDefinition, EvalLosses, TrainProgress } from '../native/train.js'
import type { LoraSettings, TrainingSettings } from '../native/train-settings.js'
import type { PreparedEvalSet } from './eval-set.js'

/** Rows as an array, or any dataset source (`{ path }`, `{ jsonl }`, `{ stream }`, `{ rows }`). */
export type DatasetInput = readonly unknown[] | DatasetSource

export interface EvaluateProgress extends Partial<Omit<TrainProgress, 'phase'>> {
  phase: 'load' | 'read' | 'tokenize' | 'train' | 'eval'
  elapsedSeconds: number
}

export interface EvaluateDatasetOptions {
  /** A loaded base model (kept loaded), or a Hugging Face model folder (loaded and disposed by this call). */
  model: BaseModel | string
  /** Tokenizer and chat template: a loaded ChatTokenizer, or a folder (default: the model folder). */
  tokenizer?: ChatTokenizer | string
  /** The miner's training rows. */
  train: DatasetInput
  /** The standard eval set: rows, a dataset source, or prepareEvalSet()'s result (reuse it across many calls). */
  eval: DatasetInput | PreparedEvalSet
  /** LoRA, training, budget and dataset limits (default: defaultCompetitionConfig, the live subnet's settings). */
  config?: CompetitionConfig
  /** Overrides of the config's LoRA and training settings, in the trainer's terms. */
  lora?: Partial<LoraSettings>
  training?: Partial<Omit<TrainingSettings, 'epochs' | 'maxSteps'>>
  /** Every random choice (row sample, LoRA init, dropout, data order) derives from it. Default 0. */
  seed?: number | bigint
  /** 'cpu', 'cuda', 'cuda:N' or 'auto' (default: the model's device, 'cpu' for a folder). */
  device?: DeviceSpec
  /** 'default' (fp32 on the CPU, bf16 on CUDA), 'fp32' or 'bf16'. */
  precision?: 'default' | 'fp32' | 'bf16'
  /** CPU threads when `model` is a folder (0 = all cores). */
  numThreads?: number
  /** Default 'example-mean', what the live FLock validator reports. */
  evalLossDefinition?: EvalLossDefinition
  /** Also report the base model's eval loss (one more eval pass). */
  baseline?: boolean
  /** Write the trained adapter here in PEFT layout. */
  saveAdapterDir?: string
  onProgress?: (p: EvaluateProgress) => void
  /** Stops reading, tokenizing and training, at any point; the call then rejects with CancelledError. */
  signal?: AbortSignal
  /**
   * A sampled training row the chat template or tokenizer cannot handle: 'skip' (the
   * default) trains on the other rows and lists each such row, with its line and the
   * reason, in `failedRows.train`; 'fail' rejects the dataset with a DatasetError naming
   * them — what validators and `flock-miner preview` do (VALIDATOR_UNTOKENIZABLE_ROWS).
   * Eval-set rows that cannot be tokenized are always left out and listed.
   */
  untokenizableRows?: UntokenizableRows
}

export type UntokenizableRows = 'fail' | 'skip'

/**
 * What validators do with a sampled training row they cannot tokenize: the dataset is
 * invalid, naming the row's line (a miner cannot shrink its dataset by breaking rows, and
 * every validator decides alike). flock-miner preview scores the same way.
 */
export const VALIDATOR_UNTOKENIZABLE_ROWS: UntokenizableRows = 'fail'

export interface TrainingBudgetUsed {
  maxTrainRows: number
  /** rows in the miner's dataset */
  rowsAvailable: number
  /** rows sampled for training (≤ maxTrainRows) */
  rowsSampled: number
  /** sequences trained on: sampled rows left with targets after truncation */
  sequences: number
  /** what fixed the number of steps */
  limitedBy: 'optimizerSteps' | 'trainTokens' | 'epochs'
  optimizerSteps: number
  /** passes over the sampled sequences that those steps amount to */
  epochs: number
  /** more passes than the competition's `training.epochs`: a small dataset repeated to fill the budget */
  repeated: boolean
}

export interface EvalResult {
  /** The eval loss under `evalLossDefinition` (lower is better). */
  evalLoss: number
  evalLossDefinition: EvalLossDefinition
  eval: EvalLosses
  /** The base model's eval loss (when `baseline` was asked). */
  baseline?: EvalLosses
  trainLoss: number[]
  learningRates: number[]
  gradNorms: number[]
  budget: TrainingBudgetUsed
  tokens: {
    trainTokens: number
    trainTargets: number
    trainTruncated: number
    trainDropped: number
    evalSequences: number
    evalTokens: number
    evalTargets: number
    evalTruncated: number
    evalDropped: number
    /** sampled training rows, and eval rows, that could not be tokenized (see failedRows) */
    trainFailed: number
    evalFailed: number
  }
  /** Each row that could not be tokenized, with its line and the reason (training rows only with untokenizableRows 'skip'). */
  failedRows: { train: DatasetIssue[]; eval: DatasetIssue[] }
  timings: { loadSeconds: number; readSeconds: number; tokenizeSeconds: number; trainSeconds: number; evalSeconds: number; totalSeconds: number }
  tokensPerSecond: number
  peakRssBytes: number
  peakWorkspaceBytes: number
  device: string
  /** Why 'auto' chose that device ('' when a device was named). */
  deviceNote: string
  /** Canonical content hash of the whole training dataset (order- and whitespace-stable). */
  datasetHash: string
  evalSetHash: string
  model: { dir: string; architecture: string; numParameters: number }
  settings: { lora: LoraSettings; training: TrainingSettings; seed: bigint; maxSeqLen: number; config: string }
}
