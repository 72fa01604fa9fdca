/** Evaluation jobs, their results, and the interface both evaluators (Redis queue, in-process) implement. */
import type { EvaluateProgress } from '../evaluate/index.js'
import type { EvalLossDefinition } from '../native/train.js'
import type { FailureCode } from './failure.js'

/** One miner's dataset to evaluate in a round. */
export interface EvaluationJob {
  hotkey: string
  uid: number
  /** Hugging Face dataset repo id, `namespace/name` (untrusted: checked by the worker's download). */
  repo: string
  /** Full commit sha the miner committed (untrusted, as above). */
  sha: string
  /** The JSONL file in the repo. */
  path: string
  /** competitionConfigId() of the config to evaluate under; workers serve one config each. */
  configId: string
  /** Every random choice of the evaluation derives from it: an integer in [0, 2^64) as a bigint, a number, or a decimal or 0x-hex string. */
  seed: bigint | number | string
}

/** A job as it travels through Redis: the seed written as a decimal string. */
export interface NormalizedJob extends Omit<EvaluationJob, 'seed'> {
  seed: string
}

export interface Round {
  /** Unique per validator round (e.g. `<netuid>-<block>`); letters, digits, '.', '_', '-'. */
  id: string
  jobs: readonly EvaluationJob[]
}

export type ResultStatus = 'scored' | 'ineligible'

export interface EvaluationResult {
  jobId: string
  roundId: string
  hotkey: string
  uid: number
  status: ResultStatus
  /** Why the dataset is ineligible (a dataset problem, a refused download, or repeated failures). */
  reason?: string
  /** With 'ineligible': the kind of failure (results stored by an older version may lack it). */
  code?: FailureCode
  evalLoss?: number
  evalLossDefinition?: EvalLossDefinition
  /** Canonical content hash of the miner's whole dataset. */
  datasetHash?: string
  /** The device that decided the result ('none' when no worker did, e.g. a job that kept crashing its workers). */
  device: string
  /** Who decided the result: `<host>:<pid>` of a worker, or of the coordinator. */
  worker: string
  /** Times a worker started this job (retries and stalls included). */
  attempts: number
  /** Wall time of the deciding attempt, download included. */
  seconds: number
  /** Training throughput of the deciding attempt (0 when it did not train). */
  tokensPerSecond: number
}

export interface RoundRunOptions {
  /** Stops waiting (the jobs stay queued: a later call with the same round id picks them up). */
  signal?: AbortSignal
  /**
   * Awaited before each attempt at one of the round's jobs that runs in this process (so a
   * caller can count evaluations a crash cut short). A queue coordinator never calls it: its
   * workers run elsewhere.
   */
  onAttemptStart?: (jobId: string, attempt: number) => Promise<void> | void
  /**
   * Cancels the round's attempts that run in this process (a stopping validator): a
   * cancelled job has no result and runs again when asked for again. Queue workers elsewhere
   * are not affected. `signal` alone only stops waiting.
   */
  cancel?: AbortSignal
  /** Training progress of a job that runs in this process (a queue coordinator never calls it). */
  onProgress?: (jobId: string, progress: EvaluateProgress) => void
}

/**
 * What the validator loop calls for a round. Both implementations give each job of a round
 * exactly one result, yield it once, and accept the same round again (idempotent).
 */
export interface Evaluator {
  /** Queues the round's jobs (once) and yields every result as it lands, including ones already there. */
  runRound(round: Round, options?: RoundRunOptions): AsyncGenerator<EvaluationResult>
  /** runRound() collected: one result per distinct job, in the order of the round's jobs. */
  evaluateRound(round: Round, options?: RoundRunOptions): Promise<EvaluationResult[]>
  close(): Promise<void>
}
