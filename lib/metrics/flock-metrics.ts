/**
 * Prometheus metrics (prom-client) for the validator and its workers, each process with its
 * own registry, served in the text format by serveMetrics(). The validator increments the
 * chain, hub and weights counters through the helpers; evaluators fill the job metrics.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { Queue } from 'bullmq'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

import { InvalidArgumentError } from '../errors.js'

const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const

export class FlockMetrics {
  readonly registry: Registry
  readonly queueJobs: Gauge<'queue' | 'state'>
  readonly jobsRunning: Gauge<'device'>
  readonly jobsDone: Counter<'status'>
  readonly jobsFailed: Counter<'retried'>
  readonly evalSeconds: Histogram<'status'>
  readonly tokensPerSecond: Gauge<'device'>
  readonly gpuMemoryBytes: Gauge<'device'>
  readonly weightsSet: Counter
  readonly chainErrors: Counter<'op'>
  readonly hubErrors: Counter<'code'>
  readonly #queues = new Set<Queue>()

  constructor(options: { defaultMetrics?: boolean; labels?: Record<string, string> } = {}) {
    const registers = [(this.registry = new Registry())]
    if (options.labels) this.registry.setDefaultLabels(options.labels)
    const queues = this.#queues
    this.queueJobs = new Gauge({
      name: 'flock_eval_queue_jobs',
      help: 'Evaluation jobs by state: read from Redis at scrape time for BullMQ queues, or the in-process evaluator\'s own queue',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        for (const q of queues) {
          const counts = await q.getJobCounts(...QUEUE_STATES)
          for (const state of QUEUE_STATES) this.set({ queue: q.name, state }, counts[state] ?? 0)
        }
      },
    })
    this.jobsRunning = new Gauge({ name: 'flock_eval_jobs_running', help: 'Evaluations running in this process, by device', labelNames: ['device'], registers })
    this.jobsDone = new Counter({ name: 'flock_eval_jobs_done_total', help: 'Results decided by this process, by status (scored, ineligible)', labelNames: ['status'], registers })
    this.jobsFailed = new Counter({
      name: 'flock_eval_jobs_failed_total',
      help: 'Evaluation attempts that failed in this process; retried="false" ones ended their job ineligible',
      labelNames: ['retried'],
      registers,
    })
    this.evalSeconds = new Histogram({
      name: 'flock_eval_seconds',
      help: 'Wall time of a deciding evaluation attempt (download, read, tokenize, train, eval), by result status',
      labelNames: ['status'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 2400],
      registers,
    })
    this.tokensPerSecond = new Gauge({ name: 'flock_eval_tokens_per_second', help: 'Training tokens per second of the last evaluation on each device', labelNames: ['device'], registers })
    this.gpuMemoryBytes = new Gauge({
      name: 'flock_gpu_memory_bytes',
      help: 'Peak GPU memory of the last evaluation on each device, in bytes; always 0 on cpu devices, which have no GPU memory (see process_resident_memory_bytes)',
      labelNames: ['device'],
      registers,
    })
    this.weightsSet = new Counter({ name: 'flock_weights_set_total', help: 'Weight vectors set on chain by the validator', registers })
    this.chainErrors = new Counter({ name: 'flock_chain_errors_total', help: 'Failed chain calls, by operation', labelNames: ['op'], registers })
    this.hubErrors = new Counter({ name: 'flock_hub_errors_total', help: 'Failed hub downloads, by error code', labelNames: ['code'], registers })
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry })
  }

  /** Reports this BullMQ queue's job counts on every scrape. */
  watchQueue(queue: Queue): void {
    this.#queues.add(queue)
  }

  unwatchQueue(queue: Queue): void {
    this.#queues.delete(queue)
  }

  recordWeightsSet(): void {
    this.weightsSet.inc()
  }

  recordChainError(op: string): void {
    this.chainErrors.inc({ op })
  }

  recordHubError(err: unknown): void {
    const code = (err as { code?: unknown })?.code
    this.hubErrors.inc({ code: typeof code === 'string' ? code : 'unknown' })
  }

  /** The Prometheus text format of every metric. */
  text(): Promise<string> {
    return this.registry.metrics()
  }
}

export interface MetricsServer {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/** Serves GET /metrics on host:port (port 0 picks a free one); 127.0.0.1 unless told otherwise. */
export async function serveMetrics(metrics: FlockMetrics, options: { port: number; host?: string }): Promise<MetricsServer> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    throw new InvalidArgumentError(`metrics port: expected an integer in [0, 65535], got ${options.port}`)
  const host = options.host ?? '127.0.0.1'
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n')
      return
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
