/**
 * A queue worker: loads the base model once per device, takes jobs of its competition
 * config from BullMQ, one per device at a time, and stores each job's result once. A killed
 * worker's jobs come back through BullMQ's stalled-job check; stop() hands running jobs back
 * to the queue at once.
 */
import { hostname } from 'node:os'

import { type Job, Queue, UnrecoverableError, WaitingError, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { type BaseLogger, pino } from 'pino'

import { CancelledError, InvalidArgumentError } from '../errors.js'
import { DEFAULT_PREFIX, type QueuedJobData, queueNameFor } from './job.js'
import type { FlockMetrics } from '../metrics/flock-metrics.js'
import { connectRedis, redactRedisUrl } from './redis.js'
import { type DeviceSlot, type EvaluationResources, loadEvaluationResources, type LoadResourcesOptions } from './resources.js'
import { RoundStore } from './round-store.js'
import { attemptJob, evalTimeoutMs, recordResult } from './run-job.js'
import type { EvaluationResult } from './types.js'

export interface WorkerQueueOptions {
  redisUrl: string
  /** Must match the coordinator's. Default 'flock'. */
  prefix?: string
  /** Shown in results and logs. Default `<host>:<pid>`. */
  name?: string
  /** A job whose worker stops renewing its lock for this long is given to another worker. Default 60 s. */
  lockDurationMs?: number
  /** How often this worker looks for such jobs. Default 30 s. */
  stalledIntervalMs?: number
  /** Times a job may lose its worker before it ends ineligible. Default 2. */
  maxStalledCount?: number
  /** Time budget of one attempt, download included; a job past it is retried. Default 30 min. */
  evalTimeoutMs?: number
  /** How long the round's results stay in Redis (must match the coordinator's). Default 7 days. */
  keepSeconds?: number
  metrics?: FlockMetrics
  logger?: BaseLogger
}

export type StartWorkerOptions = WorkerQueueOptions & LoadResourcesOptions

export interface WorkerHandle {
  readonly name: string
  readonly queueName: string
  readonly resources: EvaluationResources
  /** Hands running jobs back to the queue, stops, unloads the models. Idempotent. */
  stop(): Promise<void>
}

export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const log = options.logger ?? pino({ level: 'silent' })
  const resources = await loadEvaluationResources({ ...options, logger: log })
  try {
    return await attach(resources, options, log)
  } catch (err) {
    resources.dispose()
    throw err
  }
}

/** A worker on resources the caller loaded (and keeps: stop() disposes them). */
export function attachWorker(resources: EvaluationResources, options: WorkerQueueOptions & { signal?: AbortSignal }): Promise<WorkerHandle> {
  return attach(resources, options, options.logger ?? pino({ level: 'silent' }))
}

function untilReady(worker: Worker, signal?: AbortSignal): Promise<unknown> {
  if (!signal) return worker.waitUntilReady()
  return Promise.race([
    worker.waitUntilReady(),
    new Promise((_, reject) => {
      const stop = () => reject(new CancelledError('E_CANCELLED', 'stopped before the worker could reach Redis'))
      if (signal.aborted) stop()
      else signal.addEventListener('abort', stop, { once: true })
    }),
  ])
}

async function attach(resources: EvaluationResources, o: WorkerQueueOptions & { signal?: AbortSignal }, log: BaseLogger): Promise<WorkerHandle> {
  const name = o.name ?? `${hostname()}:${process.pid}`
  const queueName = queueNameFor(resources.configId)
  const prefix = o.prefix ?? DEFAULT_PREFIX
  const lockDuration = o.lockDurationMs ?? 60_000
  if (!Number.isInteger(lockDuration) || lockDuration < 100) throw new InvalidArgumentError('lockDurationMs: expected an integer >= 100')
  const timeoutMs = evalTimeoutMs(o.evalTimeoutMs)
  const redis: Redis = connectRedis(o.redisUrl)
  redis.on('error', (err: Error) => log.warn({ redis: redactRedisUrl(o.redisUrl), err: err.message }, 'redis connection error'))
  const store = new RoundStore(redis, { prefix, ttlSeconds: o.keepSeconds ?? 7 * 86_400 })
  const free: DeviceSlot[] = [...resources.slots]
  let stopping = false

  const processor = async (job: Job<QueuedJobData, EvaluationResult>, token?: string, signal?: AbortSignal): Promise<EvaluationResult> => {
    const { roundId, job: data } = job.data
    const jobId = job.id as string
    if (data.configId !== resources.configId) throw new UnrecoverableError(`job for config ${data.configId} on the queue of ${resources.configId}`)
    const existing = await store.getResult(roundId, jobId)
    if (existing) {
      log.info({ jobId, roundId, hotkey: data.hotkey }, 'job already decided; not evaluated again')
      return existing
    }
    // concurrency equals the number of slots, so one is always free here
    const slot = free.pop() as DeviceSlot
    try {
      log.info({ jobId, roundId, hotkey: data.hotkey, device: slot.device, attempt: job.attemptsStarted }, 'evaluating')
      const outcome = await attemptJob(
        { resources, slot, worker: name, timeoutMs, ...(o.metrics ? { metrics: o.metrics } : {}), ...(signal ? { signal } : {}) },
        { jobId, roundId, job: data, attempt: job.attemptsStarted, final: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) },
      )
      if (outcome.kind === 'cancelled') {
        if (!stopping) throw new Error('the evaluation was cancelled')
        await job.moveToWait(token)
        log.info({ jobId, roundId }, 'shutting down: job handed back to the queue')
        throw new WaitingError()
      }
      if (outcome.kind === 'retry') {
        log.warn({ jobId, roundId, hotkey: data.hotkey, attempt: job.attemptsStarted, reason: outcome.reason }, 'attempt failed; will retry')
        throw new Error(outcome.reason)
      }
      const r = outcome.result
      if (await store.putResult(r)) {
        recordResult(o.metrics, r)
        log.info({ jobId, roundId, hotkey: data.hotkey, device: slot.device, status: r.status, evalLoss: r.evalLoss, reason: r.reason, seconds: r.seconds }, 'job done')
        return r
      }
      log.info({ jobId, roundId }, 'another worker stored this job\'s result first; keeping that one')
      return (await store.getResult(roundId, jobId)) ?? r
    } finally {
      free.push(slot)
    }
  }

  const worker = new Worker<QueuedJobData, EvaluationResult>(queueName, processor, {
    connection: redis,
    prefix,
    name,
    concurrency: resources.slots.length,
    lockDuration,
    stalledInterval: o.stalledIntervalMs ?? 30_000,
    maxStalledCount: o.maxStalledCount ?? 2,
    autorun: false,
  })
  worker.on('error', (err: Error) => log.warn({ err: err.message }, 'worker error'))
  worker.on('failed', (job, err) => {
    if (job && !(err instanceof WaitingError)) log.warn({ jobId: job.id, attemptsMade: job.attemptsMade, err: err.message }, 'job attempt failed')
  })
  const countsQueue = new Queue(queueName, { connection: redis, prefix })
  countsQueue.on('error', (err: Error) => log.warn({ err: err.message }, 'queue error'))
  o.metrics?.watchQueue(countsQueue)
  const running = worker.run()
  try {
    await untilReady(worker, o.signal)
  } catch (err) {
    // Redis unreachable and the caller gave up (SIGTERM while starting): leave nothing reconnecting
    await worker.close(true).catch(() => undefined)
    await countsQueue.close().catch(() => undefined)
    redis.disconnect()
    throw err
  }
  log.info({ worker: name, queue: queueName, configId: resources.configId, devices: resources.slots.map((s) => s.device) }, 'worker ready')

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true
      log.info({ worker: name }, 'stopping')
      const closing = worker.close()
      worker.cancelAllJobs('shutdown')
      await closing
      await running.catch(() => undefined)
      o.metrics?.unwatchQueue(countsQueue)
      await countsQueue.close()
      await redis.quit().catch(() => redis.disconnect())
      resources.dispose()
      log.info({ worker: name }, 'stopped')
    })())
  return { name, queueName, resources, stop }
}
