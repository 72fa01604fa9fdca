/**
 * `flock-validator worker`: flags, then a queue worker until SIGTERM or SIGINT. A program of
 * its own starts one with startWorker from @flock/lora/evaluator.
 */
import { resolve } from 'node:path'

import yargs, { type Argv } from 'yargs'

import { type CommonArgs, logLevel, withCommonFlags } from './common-flags.js'
import { type EvaluatorArgs, withEvaluatorFlags } from './evaluator-flags.js'
import { createLogger } from './logger.js'
import { withUsage } from './usage.js'
import { loadCompetition } from './competition.js'
import { type Hub, HfHub, HubCache, LocalHub } from '../hub/index.js'
import { FlockMetrics, type MetricsServer, serveMetrics } from '../metrics/flock-metrics.js'
import { redactRedisUrl } from '../evaluator/redis.js'
import { parseDevices } from '../evaluator/resources.js'
import { startWorker } from '../evaluator/worker.js'

export interface WorkerArgs extends EvaluatorArgs {
  redis: { url: string }
  devices: string
  model?: { dir?: string }
  eval?: { path?: string }
  hub?: { url?: string; local?: string; 'cache-dir'?: string }
  threads?: number
  eval_timeout?: number
  worker?: { name?: string }
  queue: { prefix: string; 'lock-ms': number; 'stalled-interval-ms': number; 'max-stalled': number }
}

export function withWorkerFlags<T>(y: Argv<T>): Argv<T & WorkerArgs> {
  return withEvaluatorFlags(y, { default: 'cpu', describe: 'one job at a time per listed device: cuda:0,cuda:1 or cpu,cpu' })
    .option('model.dir', { type: 'string', describe: 'base model folder (default: the config\'s base model from the hub)' })
    .option('eval.path', { type: 'string', describe: 'eval set JSONL (default: the config\'s eval set from the hub)' })
    .option('hub.url', { type: 'string', describe: 'Hugging Face hub URL (default https://huggingface.co); token from HF_TOKEN' })
    .option('hub.local', { type: 'string', describe: 'a local-folder hub instead of Hugging Face' })
    .option('hub.cache-dir', { type: 'string', describe: 'download cache (default: the standard HF cache)' })
    .option('threads', { type: 'number', describe: 'CPU threads per device slot (default: cores / cpu slots)' })
    .option('eval_timeout', { type: 'number', describe: 'seconds one evaluation may take before it is retried (default 1800)' })
    .option('worker.name', { type: 'string', describe: 'name shown in results and logs (default host:pid)' })
    .option('queue.lock-ms', { type: 'number', default: 60_000, describe: 'a job whose worker goes silent this long goes to another worker' })
    .option('queue.stalled-interval-ms', { type: 'number', default: 30_000, describe: 'how often to look for such jobs' })
    .option('queue.max-stalled', { type: 'number', default: 2, describe: 'times a job may lose its worker before it ends ineligible' })
    .option('model', { hidden: true })
    .option('eval', { hidden: true })
    .option('hub', { hidden: true })
    .option('worker', { hidden: true })
    .conflicts('hub.url', 'hub.local')
    .check((a) => {
      const w = a as unknown as Partial<WorkerArgs>
      // demandOption does not see dotted flags through their parent object
      if (typeof w.redis?.url !== 'string' || w.redis.url.length === 0) throw new Error('--redis.url is required')
      if (w.eval_timeout !== undefined && !(w.eval_timeout > 0)) throw new Error('--eval_timeout must be a positive number of seconds')
      return true
    }) as unknown as Argv<T & WorkerArgs>
}

function makeHub(args: WorkerArgs): Hub {
  if (args.hub?.local !== undefined) return new LocalHub(resolve(args.hub.local))
  return new HfHub(args.hub?.url !== undefined ? { hubUrl: args.hub.url } : {})
}

/** Runs a worker until SIGTERM/SIGINT; resolves to the exit code. */
export async function runWorker(args: WorkerArgs & Pick<CommonArgs, 'config' | 'logging'>): Promise<number> {
  const log = createLogger({ name: 'flock-worker', level: logLevel(args) })
  const metrics = new FlockMetrics()
  let server: MetricsServer | undefined
  const { config, rules } = await loadCompetition({ ...(args.config ? { config: args.config } : {}), local: null })
  if (!rules.evalSetPinned) {
    log.error({ config: rules.name }, `${rules.name} evaluates in the validator process (its eval set changes every day): queue workers cannot serve it`)
    return 2
  }
  const cacheDir = args.hub?.['cache-dir']
  const hubCache = new HubCache({ hub: makeHub(args), ...(cacheDir ? { cacheDir: resolve(cacheDir) } : {}), logger: log })
  const stopSignal = new AbortController()
  const onSignal = (sig: NodeJS.Signals) => {
    log.info({ signal: sig }, 'signal received')
    stopSignal.abort()
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  try {
    if (args.metrics?.port !== undefined) {
      server = await serveMetrics(metrics, { port: args.metrics.port, host: args.metrics.host ?? '127.0.0.1' })
      log.info({ metricsUrl: server.url }, 'metrics served')
    }
    log.info({ redis: redactRedisUrl(args.redis.url), devices: args.devices, config: config.name }, 'starting worker')
    const handle = await startWorker({
      redisUrl: args.redis.url,
      config,
      devices: parseDevices(args.devices),
      hubCache,
      ...(args.model?.dir !== undefined ? { modelDir: resolve(args.model.dir) } : {}),
      ...(args.eval?.path !== undefined ? { evalPath: resolve(args.eval.path) } : {}),
      ...(args.threads !== undefined ? { numThreads: args.threads } : {}),
      ...(args.eval_timeout !== undefined ? { evalTimeoutMs: Math.round(args.eval_timeout * 1000) } : {}),
      ...(args.worker?.name !== undefined ? { name: args.worker.name } : {}),
      prefix: args.queue.prefix,
      lockDurationMs: args.queue['lock-ms'],
      stalledIntervalMs: args.queue['stalled-interval-ms'],
      maxStalledCount: args.queue['max-stalled'],
      metrics,
      logger: log,
      signal: stopSignal.signal,
    })
    if (!stopSignal.signal.aborted) await new Promise((done) => stopSignal.signal.addEventListener('abort', done, { once: true }))
    await handle.stop()
    return 0
  } catch (err) {
    log.error({ err: (err as Error).message, code: (err as { code?: string }).code }, 'worker failed')
    return 1
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
    await server?.close()
  }
}

/** Parses `argv` (without node and the script) and runs the worker. */
export async function runWorkerFromArgs(argv: readonly string[]): Promise<number> {
  const args = await withWorkerFlags(withCommonFlags(withUsage(yargs([...argv]), 'flock-validator worker')))
    .usage('$0 — evaluate miners\' datasets taken from the validator\'s Redis queue')
    .help()
    .parseAsync()
  return runWorker(args as unknown as WorkerArgs & CommonArgs)
}
