/**
 * One attempt at one job on one device slot: download the miner's file (pinned, size-capped,
 * cached), evaluate it, and turn the outcome into a result or a request to retry. The
 * in-process evaluator and the queue workers both run exactly this, so their results agree.
 */
import { evaluateDataset, VALIDATOR_UNTOKENIZABLE_ROWS, type EvaluateProgress } from '../evaluate/index.js'
import { InvalidArgumentError } from '../errors.js'
import { datasetRepo, HubError } from '../hub/index.js'
import { classifyFailure, type FailureVerdict } from './failure.js'
import type { FlockMetrics } from '../metrics/flock-metrics.js'
import type { DeviceSlot, EvaluationResources } from './resources.js'
import type { EvaluationResult, NormalizedJob } from './types.js'

export const DEFAULT_EVAL_TIMEOUT_MS = 30 * 60_000

/** An evaluator's time budget of one attempt: the default when absent, else a positive integer of ms. */
export function evalTimeoutMs(value: number | undefined): number {
  const ms = value ?? DEFAULT_EVAL_TIMEOUT_MS
  if (!Number.isInteger(ms) || ms < 1) throw new InvalidArgumentError('evalTimeoutMs: expected a positive integer')
  return ms
}

export interface Attempt {
  jobId: string
  roundId: string
  job: NormalizedJob
  /** Attempts started so far, this one included. */
  attempt: number
  /** No retry follows this attempt: a failure that could pass ends the job ineligible. */
  final: boolean
}

export type AttemptOutcome =
  | { kind: 'result'; result: EvaluationResult }
  | { kind: 'retry'; reason: string }
  /** The signal was aborted (shutdown): the job is neither decided nor failed. */
  | { kind: 'cancelled' }

export interface AttemptContext {
  resources: EvaluationResources
  slot: DeviceSlot
  /** `<host>:<pid>` or a given name. */
  worker: string
  metrics?: FlockMetrics
  signal?: AbortSignal
  /** Time budget of the attempt, download included; past it the attempt fails (retried like any passing failure). */
  timeoutMs?: number
  onProgress?: (p: EvaluateProgress) => void
}

export async function attemptJob(ctx: AttemptContext, a: Attempt): Promise<AttemptOutcome> {
  const { resources, slot, metrics } = ctx
  const timeout = ctx.timeoutMs !== undefined ? AbortSignal.timeout(ctx.timeoutMs) : undefined
  const signal = timeout ? (ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout) : ctx.signal
  const started = performance.now()
  const base = { jobId: a.jobId, roundId: a.roundId, hotkey: a.job.hotkey, uid: a.job.uid, device: slot.device, worker: ctx.worker, attempts: a.attempt }
  const seconds = () => (performance.now() - started) / 1000
  metrics?.jobsRunning.inc({ device: slot.device })
  try {
    const file = await resources.hubCache.downloadFile({
      repo: datasetRepo(a.job.repo), sha: a.job.sha, path: a.job.path, maxBytes: resources.maxDatasetBytes, ...(signal ? { signal } : {}),
    })
    const r = await evaluateDataset({
      model: slot.model,
      tokenizer: resources.tokenizer,
      train: { path: file.file },
      eval: resources.evalSet,
      config: resources.config,
      seed: BigInt(a.job.seed),
      untokenizableRows: VALIDATOR_UNTOKENIZABLE_ROWS,
      device: slot.device as 'cpu', // passed through as given; see loadEvaluationResources
      ...(signal ? { signal } : {}),
      ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
    })
    let result: EvaluationResult
    if (Number.isFinite(r.evalLoss)) {
      result = {
        ...base, status: 'scored', evalLoss: r.evalLoss, evalLossDefinition: r.evalLossDefinition, datasetHash: r.datasetHash,
        seconds: seconds(), tokensPerSecond: r.tokensPerSecond,
      }
    } else {
      result = { ...base, status: 'ineligible', code: 'training-failed', reason: `evaluation: the eval loss is ${r.evalLoss}`, datasetHash: r.datasetHash, seconds: seconds(), tokensPerSecond: r.tokensPerSecond }
    }
    metrics?.tokensPerSecond.set({ device: slot.device }, r.tokensPerSecond)
    metrics?.gpuMemoryBytes.set({ device: slot.device }, slot.device.startsWith('cuda') ? r.peakWorkspaceBytes : 0)
    return { kind: 'result', result }
  } catch (err) {
    if (ctx.signal?.aborted) return { kind: 'cancelled' }
    if (err instanceof HubError) metrics?.recordHubError(err)
    const verdict: FailureVerdict = classifyFailure(err, timeout?.aborted ? { budgetMs: ctx.timeoutMs! } : undefined)
    const retried = verdict.retry && !a.final
    metrics?.jobsFailed.inc({ retried: String(retried) })
    if (retried) return { kind: 'retry', reason: verdict.reason }
    const reason = verdict.retry ? `failed ${a.attempt} attempt(s); last: ${verdict.reason}` : verdict.reason
    return { kind: 'result', result: { ...base, status: 'ineligible', code: verdict.code, reason, seconds: seconds(), tokensPerSecond: 0 } }
  } finally {
    metrics?.jobsRunning.dec({ device: slot.device })
  }
}

/** Counts a result once it is the job's stored result (a duplicate evaluation that lost the race is not counted). */
export function recordResult(metrics: FlockMetrics | undefined, result: EvaluationResult): void {
  metrics?.jobsDone.inc({ status: result.status })
  metrics?.evalSeconds.observe({ status: result.status }, result.seconds)
}
