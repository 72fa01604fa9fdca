/**
 * The coordinator's side of distributed evaluation: a round's jobs go onto BullMQ (one
 * queue per competition config) and their results are read back from the round's results
 * hash. Everything lives in Redis, so a coordinator that restarts re-attaches to a round by
 * its id and loses nothing; submitting a round again adds nothing twice.
 */
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { type BaseLogger, pino } from 'pino'

import { CancelledError, InvalidArgumentError } from '../errors.js'
import { MAX_ATTEMPTS, RETRY_BACKOFF_MS } from './failure.js'
import { assertRoundId, DEFAULT_PREFIX, jobIdFor, normalizeJob, type QueuedJobData, queueNameFor } from './job.js'
import type { FlockMetrics } from '../metrics/flock-metrics.js'
import { connectRedis, redactRedisUrl } from './redis.js'
import { RoundStore } from './round-store.js'
import type { EvaluationResult, Evaluator, NormalizedJob, Round, RoundRunOptions } from './types.js'

export interface EvaluationQueueOptions {
  redisUrl: string
  /** Namespace of every Redis key (BullMQ's and the rounds'). Default 'flock'. */
  prefix?: string
  /** Attempts a job gets when its failures may pass (dataset problems are never retried). Default 3. */
  attempts?: number
  /** First retry delay; doubles each retry. Default 30 s. */
  backoffMs?: number
  /** How often results are read while waiting. Default 1 s. */
  pollMs?: number
  /** How often unfinished jobs are checked against the queue (lost jobs re-added, dead ones decided). Default 15 s. */
  reconcileMs?: number
  /** How long a round's jobs and results stay in Redis. Default 7 days. */
  keepSeconds?: number
  metrics?: FlockMetrics
  logger?: BaseLogger
}

type RoundJobs = Map<string, NormalizedJob>

export class EvaluationQueue implements Evaluator {
  readonly prefix: string
  readonly #redis: Redis
  readonly #store: RoundStore
  readonly #queues = new Map<string, Queue>()
  readonly #o: Required<Pick<EvaluationQueueOptions, 'attempts' | 'backoffMs' | 'pollMs' | 'reconcileMs' | 'keepSeconds'>>
  readonly #metrics: FlockMetrics | undefined
  readonly #log: BaseLogger
  readonly #name = `coordinator@${hostname()}:${process.pid}`

  constructor(options: EvaluationQueueOptions) {
    const o = { attempts: MAX_ATTEMPTS, backoffMs: RETRY_BACKOFF_MS, pollMs: 1_000, reconcileMs: 15_000, keepSeconds: 7 * 86_400, ...options }
    for (const k of ['attempts', 'backoffMs', 'pollMs', 'reconcileMs', 'keepSeconds'] as const)
      if (!Number.isInteger(o[k]) || o[k] < (k === 'backoffMs' ? 0 : 1)) throw new InvalidArgumentError(`${k}: expected an integer >= ${k === 'backoffMs' ? 0 : 1}`)
    this.#o = o
    this.prefix = options.prefix ?? DEFAULT_PREFIX
    this.#metrics = options.metrics
    this.#log = options.logger ?? pino({ level: 'silent' })
    this.#redis = connectRedis(options.redisUrl, { blocking: false })
    this.#redis.on('error', (err: Error) => this.#log.warn({ redis: redactRedisUrl(options.redisUrl), err: err.message }, 'redis connection error'))
    this.#store = new RoundStore(this.#redis, { prefix: this.prefix, ttlSeconds: o.keepSeconds })
  }

  #queue(configId: string): Queue {
    let q = this.#queues.get(configId)
    if (!q) {
      q = new Queue(queueNameFor(configId), { connection: this.#redis, prefix: this.prefix })
      q.on('error', (err: Error) => this.#log.warn({ err: err.message }, 'queue error'))
      this.#queues.set(configId, q)
      this.#metrics?.watchQueue(q)
    }
    return q
  }

  /** Records and queues the round's jobs (each once, whatever happened before) and returns them by job id. */
  async submitRound(round: Round): Promise<RoundJobs> {
    const roundId = assertRoundId(round.id)
    if (!Array.isArray(round.jobs)) throw new InvalidArgumentError('round.jobs: expected an array')
    const jobs: RoundJobs = new Map()
    round.jobs.forEach((j, i) => {
      const job = normalizeJob(j, i)
      jobs.set(jobIdFor(roundId, job), job) // the id names every field: a repeated job is one job
    })
    await this.#store.registerJobs(roundId, [...jobs].map(([jobId, job]) => ({ jobId, job })))
    await this.#enqueue(roundId, jobs)
    this.#log.info({ roundId, jobs: jobs.size }, 'round submitted')
    return jobs
  }

  /** BullMQ ignores a job id it already holds, in any state: adding again is harmless. */
  async #enqueue(roundId: string, jobs: RoundJobs): Promise<void> {
    const byConfig = new Map<string, Array<[string, NormalizedJob]>>()
    for (const entry of jobs) byConfig.set(entry[1].configId, [...(byConfig.get(entry[1].configId) ?? []), entry])
    for (const [configId, entries] of byConfig) {
      await this.#queue(configId).addBulk(
        entries.map(([jobId, job]) => ({
          name: 'evaluate',
          data: { roundId, job } satisfies QueuedJobData,
          opts: {
            jobId,
            attempts: this.#o.attempts,
            backoff: { type: 'exponential', delay: this.#o.backoffMs },
            removeOnComplete: { age: this.#o.keepSeconds },
            removeOnFail: { age: this.#o.keepSeconds },
          },
        })),
      )
    }
  }

  async *runRound(round: Round, options: RoundRunOptions = {}): AsyncGenerator<EvaluationResult> {
    const jobs = await this.submitRound(round)
    yield* this.#follow(round.id, jobs, options.signal)
  }

  /** Follows a round submitted earlier (by this or another coordinator) from its id alone. */
  async *attachRound(roundId: string, options: RoundRunOptions = {}): AsyncGenerator<EvaluationResult> {
    const jobs = await this.#store.jobs(assertRoundId(roundId))
    if (jobs.size === 0) throw new InvalidArgumentError(`round ${roundId}: unknown (never submitted, or expired)`)
    yield* this.#follow(roundId, jobs, options.signal)
  }

  async evaluateRound(round: Round, options: RoundRunOptions = {}): Promise<EvaluationResult[]> {
    const byId = new Map<string, EvaluationResult>()
    for await (const r of this.runRound(round, options)) byId.set(r.jobId, r)
    return orderedResults(round, byId)
  }

  async *#follow(roundId: string, jobs: RoundJobs, signal?: AbortSignal): AsyncGenerator<EvaluationResult> {
    const pending = new Set(jobs.keys())
    let nextReconcile = Date.now() + this.#o.reconcileMs
    while (pending.size > 0) {
      for (const [jobId, result] of await this.#store.getResults(roundId, [...pending])) {
        pending.delete(jobId)
        yield result
      }
      if (pending.size === 0) break
      if (Date.now() >= nextReconcile) {
        await this.#reconcile(roundId, jobs, pending)
        nextReconcile = Date.now() + this.#o.reconcileMs
        continue
      }
      try {
        await sleep(this.#o.pollMs, undefined, signal ? { signal } : {})
      } catch {
        throw new CancelledError('E_CANCELLED', `stopped waiting for round ${roundId} (${pending.size} job(s) left); its jobs stay queued`)
      }
    }
  }

  /**
   * A job BullMQ no longer holds (Redis lost it, or it aged out) is queued again; a job
   * BullMQ gave up on (it stalled its workers too often) is decided ineligible here.
   */
  async #reconcile(roundId: string, jobs: RoundJobs, pending: ReadonlySet<string>): Promise<void> {
    const missing: RoundJobs = new Map()
    for (const jobId of pending) {
      const job = jobs.get(jobId)!
      const queue = this.#queue(job.configId)
      const state = await queue.getJobState(jobId)
      if (state === 'unknown') missing.set(jobId, job)
      else if (state === 'failed') {
        const bull = await queue.getJob(jobId)
        const result: EvaluationResult = {
          jobId, roundId, hotkey: job.hotkey, uid: job.uid, status: 'ineligible', code: 'training-failed',
          reason: `the job failed on its workers: ${bull?.failedReason ?? 'no reason recorded'}`,
          device: 'none', worker: this.#name, attempts: bull?.attemptsStarted ?? 0, seconds: 0, tokensPerSecond: 0,
        }
        if (await this.#store.putResult(result)) this.#log.warn({ roundId, jobId, hotkey: job.hotkey, reason: result.reason }, 'job failed; decided ineligible')
      }
    }
    if (missing.size > 0) {
      this.#log.warn({ roundId, jobs: missing.size }, 'jobs missing from the queue; queued again')
      await this.#enqueue(roundId, missing)
    }
  }

  async close(): Promise<void> {
    for (const q of this.#queues.values()) {
      this.#metrics?.unwatchQueue(q)
      await q.close()
    }
    this.#queues.clear()
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}

/** One result per distinct job, in the order the round lists them. */
export function orderedResults(round: Round, byId: ReadonlyMap<string, EvaluationResult>): EvaluationResult[] {
  const out: EvaluationResult[] = []
  const seen = new Set<string>()
  for (const job of round.jobs) {
    const id = jobIdFor(round.id, job)
    const r = byId.get(id)
    if (r && !seen.has(id)) {
      seen.add(id)
      out.push(r)
    }
  }
  return out
}
