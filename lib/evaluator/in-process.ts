/**
 * The evaluator without Redis: the same jobs, job ids, attempts and results as the queue,
 * run in this process, one job per device slot at a time (one device is one slot: the
 * validator's default; `devices: ['cuda:0', 'cuda:1']` spreads a round over both). Results are kept for the last few rounds, so asking for a
 * round again evaluates nothing twice.
 */
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

import { type BaseLogger, pino } from 'pino'

import { CancelledError, InvalidArgumentError } from '../errors.js'
import type { EvaluateProgress } from '../evaluate/index.js'
import { orderedResults } from './evaluation-queue.js'
import { MAX_ATTEMPTS, RETRY_BACKOFF_MS } from './failure.js'
import { assertRoundId, jobIdFor, normalizeJob } from './job.js'
import type { FlockMetrics } from '../metrics/flock-metrics.js'
import type { DeviceSlot, EvaluationResources } from './resources.js'
import { attemptJob, evalTimeoutMs, recordResult } from './run-job.js'
import type { EvaluationResult, Evaluator, NormalizedJob, Round, RoundRunOptions } from './types.js'

export interface InProcessEvaluatorOptions {
  resources: EvaluationResources
  /** As EvaluationQueueOptions: attempts for failures that may pass, and the first retry delay. */
  attempts?: number
  backoffMs?: number
  /** Time budget of one attempt, download included. Default 30 min. */
  evalTimeoutMs?: number
  /** Rounds whose results are kept. Default 4. */
  keepRounds?: number
  metrics?: FlockMetrics
  logger?: BaseLogger
}

const QUEUE_LABEL = 'in-process'

export class InProcessEvaluator implements Evaluator {
  readonly #r: EvaluationResources
  readonly #attempts: number
  readonly #backoffMs: number
  readonly #keepRounds: number
  readonly #timeoutMs: number
  readonly #metrics: FlockMetrics | undefined
  readonly #log: BaseLogger
  readonly #name = `${hostname()}:${process.pid}`
  readonly #rounds = new Map<string, Map<string, Promise<EvaluationResult>>>()
  readonly #free: DeviceSlot[]
  readonly #waiters: Array<(slot: DeviceSlot) => void> = []
  readonly #closing = new AbortController()

  constructor(options: InProcessEvaluatorOptions) {
    this.#r = options.resources
    this.#attempts = options.attempts ?? MAX_ATTEMPTS
    this.#backoffMs = options.backoffMs ?? RETRY_BACKOFF_MS
    this.#keepRounds = options.keepRounds ?? 4
    this.#timeoutMs = evalTimeoutMs(options.evalTimeoutMs)
    if (!Number.isInteger(this.#attempts) || this.#attempts < 1) throw new InvalidArgumentError('attempts: expected an integer >= 1')
    if (!Number.isInteger(this.#backoffMs) || this.#backoffMs < 0) throw new InvalidArgumentError('backoffMs: expected a non-negative integer')
    this.#metrics = options.metrics
    this.#log = options.logger ?? pino({ level: 'silent' })
    this.#free = [...this.#r.slots]
  }

  async *runRound(round: Round, options: RoundRunOptions = {}): AsyncGenerator<EvaluationResult> {
    const roundId = assertRoundId(round.id)
    if (this.#closing.signal.aborted) throw new CancelledError('E_CANCELLED', 'the evaluator is closed')
    const jobs = new Map<string, NormalizedJob>()
    round.jobs.forEach((j, i) => {
      const job = normalizeJob(j, i)
      if (job.configId !== this.#r.configId)
        throw new InvalidArgumentError(`jobs[${i}].configId: ${job.configId}, but this evaluator loaded config ${this.#r.configId}`)
      jobs.set(jobIdFor(roundId, job), job)
    })
    const state = this.#round(roundId)
    const ready: EvaluationResult[] = []
    let wake: (() => void) | undefined
    let failure: unknown
    for (const [jobId, job] of jobs) {
      let p = state.get(jobId)
      if (!p) {
        p = this.#run(roundId, jobId, job, options)
        state.set(jobId, p)
        p.catch(() => state.delete(jobId)) // a cancelled job is not a result: a later call runs it again
      }
      p.then(
        (r) => ready.push(r),
        (err: unknown) => (failure ??= err),
      ).finally(() => wake?.())
    }
    const signal = options.signal
    const onAbort = () => wake?.()
    signal?.addEventListener('abort', onAbort)
    try {
      let left = jobs.size
      while (left > 0) {
        if (ready.length === 0 && failure === undefined && !signal?.aborted) {
          await new Promise<void>((resolve) => (wake = resolve))
          wake = undefined
        }
        if (failure !== undefined) throw failure
        if (signal?.aborted) throw new CancelledError('E_CANCELLED', `stopped waiting for round ${roundId} (${left} job(s) left)`)
        while (ready.length > 0) {
          left--
          yield ready.shift() as EvaluationResult
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async evaluateRound(round: Round, options: RoundRunOptions = {}): Promise<EvaluationResult[]> {
    const byId = new Map<string, EvaluationResult>()
    for await (const r of this.runRound(round, options)) byId.set(r.jobId, r)
    return orderedResults(round, byId)
  }

  #round(roundId: string): Map<string, Promise<EvaluationResult>> {
    let state = this.#rounds.get(roundId)
    if (!state) {
      state = new Map()
      this.#rounds.set(roundId, state)
      for (const old of this.#rounds.keys()) if (this.#rounds.size > this.#keepRounds) this.#rounds.delete(old)
    }
    return state
  }

  async #run(roundId: string, jobId: string, job: NormalizedJob, hooks: Pick<RoundRunOptions, 'onAttemptStart' | 'onProgress' | 'cancel'>): Promise<EvaluationResult> {
    const signal = hooks.cancel ? AbortSignal.any([this.#closing.signal, hooks.cancel]) : this.#closing.signal
    for (let attempt = 1; ; attempt++) {
      const slot = await this.#acquire()
      let outcome
      try {
        if (signal.aborted) throw new CancelledError('E_CANCELLED', 'the evaluation was cancelled')
        await hooks.onAttemptStart?.(jobId, attempt)
        this.#log.info({ jobId, roundId, hotkey: job.hotkey, device: slot.device, attempt }, 'evaluating')
        outcome = await attemptJob(
          {
            resources: this.#r, slot, worker: this.#name, signal, timeoutMs: this.#timeoutMs, ...(this.#metrics ? { metrics: this.#metrics } : {}),
            ...(hooks.onProgress ? { onProgress: (p: EvaluateProgress) => hooks.onProgress!(jobId, p) } : {}),
          },
          { jobId, roundId, job, attempt, final: attempt >= this.#attempts },
        )
      } finally {
        this.#release(slot)
      }
      if (outcome.kind === 'result') {
        recordResult(this.#metrics, outcome.result)
        this.#log.info({ jobId, roundId, hotkey: job.hotkey, status: outcome.result.status, evalLoss: outcome.result.evalLoss, reason: outcome.result.reason }, 'job done')
        return outcome.result
      }
      if (outcome.kind === 'cancelled') throw new CancelledError('E_CANCELLED', 'the evaluation was cancelled')
      this.#log.warn({ jobId, roundId, hotkey: job.hotkey, attempt, reason: outcome.reason }, 'attempt failed; will retry')
      try {
        await sleep(this.#backoffMs * 2 ** (attempt - 1), undefined, { signal })
      } catch {
        throw new CancelledError('E_CANCELLED', 'the evaluation was cancelled')
      }
    }
  }

  #acquire(): Promise<DeviceSlot> {
    const slot = this.#free.pop()
    const p = slot ? Promise.resolve(slot) : new Promise<DeviceSlot>((resolve) => this.#waiters.push(resolve))
    this.#gauge()
    return p
  }

  #release(slot: DeviceSlot): void {
    const next = this.#waiters.shift()
    if (next) next(slot)
    else this.#free.push(slot)
    this.#gauge()
  }

  #gauge(): void {
    this.#metrics?.queueJobs.set({ queue: QUEUE_LABEL, state: 'waiting' }, this.#waiters.length)
    this.#metrics?.queueJobs.set({ queue: QUEUE_LABEL, state: 'active' }, this.#r.slots.length - this.#free.length)
  }

  /** Cancels running evaluations; the resources stay with their owner. */
  async close(): Promise<void> {
    this.#closing.abort()
    await Promise.allSettled([...this.#rounds.values()].flatMap((m) => [...m.values()]))
  }
}
