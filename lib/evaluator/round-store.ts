/**
 * A round's state in Redis, independent of BullMQ's own bookkeeping: the round's jobs and
 * its results, each a hash keyed by job id. A result is written with HSETNX, so the first
 * writer wins and a retried or duplicated job can never leave two results.
 */
import type { Redis } from 'ioredis'

import { InvalidArgumentError } from '../errors.js'
import { roundKeys } from './job.js'
import type { EvaluationResult, NormalizedJob } from './types.js'

export class RoundStore {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #ttlSeconds: number

  constructor(redis: Redis, options: { prefix: string; ttlSeconds: number }) {
    this.#redis = redis
    this.#prefix = options.prefix
    this.#ttlSeconds = options.ttlSeconds
  }

  /** Records the round's jobs; one already recorded must be identical (a job id names every field of its job). */
  async registerJobs(roundId: string, entries: ReadonlyArray<{ jobId: string; job: NormalizedJob }>): Promise<void> {
    const keys = roundKeys(this.#prefix, roundId)
    const multi = this.#redis.multi()
    for (const e of entries) multi.hsetnx(keys.jobs, e.jobId, JSON.stringify(e.job))
    multi.expire(keys.jobs, this.#ttlSeconds)
    multi.expire(keys.results, this.#ttlSeconds)
    await multi.exec()
    if (entries.length === 0) return
    const stored = await this.#redis.hmget(keys.jobs, ...entries.map((e) => e.jobId))
    entries.forEach((e, i) => {
      if (stored[i] !== JSON.stringify(e.job))
        throw new InvalidArgumentError(`round ${roundId}: job ${e.jobId} (hotkey ${e.job.hotkey}) is stored with other settings: written by another version?`)
    })
  }

  /** The round's jobs by id (empty when the round is unknown or expired). */
  async jobs(roundId: string): Promise<Map<string, NormalizedJob>> {
    const all = await this.#redis.hgetall(roundKeys(this.#prefix, roundId).jobs)
    return new Map(Object.entries(all).map(([id, text]) => [id, JSON.parse(text) as NormalizedJob]))
  }

  /** Stores the job's result unless it has one; true when this call stored it. */
  async putResult(result: EvaluationResult): Promise<boolean> {
    const keys = roundKeys(this.#prefix, result.roundId)
    const stored = await this.#redis.hsetnx(keys.results, result.jobId, JSON.stringify(result))
    return stored === 1
  }

  async getResult(roundId: string, jobId: string): Promise<EvaluationResult | undefined> {
    const text = await this.#redis.hget(roundKeys(this.#prefix, roundId).results, jobId)
    return text === null ? undefined : (JSON.parse(text) as EvaluationResult)
  }

  async getResults(roundId: string, jobIds: readonly string[]): Promise<Map<string, EvaluationResult>> {
    const out = new Map<string, EvaluationResult>()
    if (jobIds.length === 0) return out
    const texts = await this.#redis.hmget(roundKeys(this.#prefix, roundId).results, ...jobIds)
    texts.forEach((text, i) => {
      if (text !== null) out.set(jobIds[i]!, JSON.parse(text) as EvaluationResult)
    })
    return out
  }
}
