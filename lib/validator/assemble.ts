/**
 * Builds a ready Validator from its parts: the store (locked), the hub cache, the eval set
 * tokenized once, and the Evaluator: in process (the base model loaded once per device;
 * one device is one slot) or a BullMQ queue. `close()` undoes it.
 */
import { join } from 'node:path'

import type { Logger } from 'pino'

import type { Chain } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import { prepareEvalSet } from '../evaluate/index.js'
import { HubCache, type Hub } from '../hub/index.js'
import { EvaluationQueue } from '../evaluator/evaluation-queue.js'
import { InProcessEvaluator } from '../evaluator/in-process.js'
import { competitionConfigId } from '../evaluator/job.js'
import { redactRedisUrl } from '../evaluator/redis.js'
import { loadEvaluationResources, parseDevices } from '../evaluator/resources.js'
import { attachWorker } from '../evaluator/worker.js'
import { loadChatTokenizer } from '../tokenize/index.js'
import { modelFingerprint } from './model-fingerprint.js'
import { ResultStore } from './store/index.js'
import { Validator, type ValidatorOptions } from './validator.js'

export interface AssembleOptions extends Pick<ValidatorOptions, 'blocksPerEpoch' | 'weights' | 'evalTimeoutMs' | 'maxAttempts' | 'queue' | 'burnUid' | 'pollMs' | 'marginBlocks' | 'reporter' | 'metrics'> {
  chain: Chain
  hub: Hub
  netuid: number
  config: CompetitionConfig
  /** The validator's own state: the result store lives in `<stateDir>/store`. */
  stateDir: string
  /** Root of the HF-layout download cache. */
  cacheDir: string
  logger: Logger
  /** CPU threads for training (0 = all cores; with several cpu devices, the cores shared among them). */
  numThreads?: number
  /**
   * Devices evaluations run on here, one evaluation per device at a time (default ['cpu']).
   * With `redisUrl`, they make this process one of the queue's workers too.
   */
  devices?: readonly string[]
  /** Hand evaluations to the BullMQ queue on this Redis (workers: `flock-validator worker`). */
  redisUrl?: string
  /** Redis key prefix of the queue; must match the workers'. Default 'flock'. */
  queuePrefix?: string
  /** Stops a start-up that waits (for Redis, for downloads). */
  signal?: AbortSignal
  /** Where the base model and the eval set are, fetching them through the cache if needed. */
  resolveFiles(cache: HubCache): Promise<{ modelDir: string; evalPath: string }>
}

export interface AssembledValidator {
  validator: Validator
  store: ResultStore
  close(): Promise<void>
}

export interface Evaluation {
  parts: Pick<ValidatorOptions, 'evaluator' | 'evalSet'>
  close(): Promise<void>
}

/** Runs every step, each even when an earlier one failed; rethrows the first failure. */
export async function closeAll(steps: Array<() => unknown>): Promise<void> {
  let first: unknown
  for (const step of steps) {
    try {
      await step()
    } catch (err) {
      first ??= err
    }
  }
  if (first !== undefined) throw first
}

/** The Evaluator for one eval set: in process (the base model loaded once per device) or a BullMQ queue. */
export async function setUpEvaluation(o: Omit<AssembleOptions, 'resolveFiles' | 'stateDir' | 'cacheDir' | 'hub' | 'chain' | 'netuid'>, cache: HubCache, modelDir: string, evalPath: string): Promise<Evaluation> {
  const devices = o.devices ?? ['cpu']
  const timeouts = o.evalTimeoutMs !== undefined ? { evalTimeoutMs: o.evalTimeoutMs } : {}
  const common = { logger: o.logger, ...(o.metrics ? { metrics: o.metrics } : {}), ...(o.maxAttempts !== undefined ? { attempts: o.maxAttempts } : {}) }
  const prefix = o.queuePrefix ? { prefix: o.queuePrefix } : {}
  const loadResources = () =>
    loadEvaluationResources({
      config: o.config, devices, hubCache: cache, modelDir, evalPath, logger: o.logger,
      ...(o.numThreads ? { numThreads: o.numThreads } : {}), ...(o.signal ? { signal: o.signal } : {}),
    })

  if (o.redisUrl !== undefined) {
    const redisUrl = o.redisUrl
    // with --devices this process is one of the workers too: its resources serve the coordinator as well
    const resources = o.devices !== undefined ? await loadResources() : undefined
    let queue: EvaluationQueue | undefined
    try {
      const evalSet = resources?.evalSet ?? (await prepareEvalSet(await loadChatTokenizer(modelDir), { path: evalPath }, { maxSeqLen: o.config.training.maxSeqLen, config: o.config }))
      queue = new EvaluationQueue({ redisUrl, ...common, ...prefix })
      const worker = resources
        ? await attachWorker(resources, { redisUrl, logger: o.logger, ...timeouts, ...prefix, ...(o.metrics ? { metrics: o.metrics } : {}), ...(o.signal ? { signal: o.signal } : {}) })
        : undefined
      o.logger.info({ redis: redactRedisUrl(redisUrl), localDevices: o.devices ?? [] }, 'evaluations go to the queue')
      const opened = queue
      return {
        parts: { evalSet, evaluator: { evaluator: opened, configId: competitionConfigId(o.config), inProcess: false } },
        close: () => closeAll([() => opened.close(), () => worker?.stop()]),
      }
    } catch (err) {
      await closeAll([() => queue?.close(), () => resources?.dispose()]).catch(() => undefined)
      throw err
    }
  }

  o.logger.info({ model: modelDir, devices }, 'loading the base model (once per device, for every evaluation)')
  const resources = await loadResources()
  let evaluator: InProcessEvaluator
  try {
    evaluator = new InProcessEvaluator({ resources, ...common, ...timeouts })
  } catch (err) {
    resources.dispose()
    throw err
  }
  return {
    parts: { evalSet: resources.evalSet, evaluator: { evaluator, configId: resources.configId, inProcess: true } },
    close: () => closeAll([() => evaluator.close(), () => resources.dispose()]),
  }
}

export async function assembleValidator(o: AssembleOptions): Promise<AssembledValidator> {
  if (o.devices !== undefined) parseDevices(o.devices)
  const store = await ResultStore.open(join(o.stateDir, 'store'))
  let evaluation: Evaluation | undefined
  try {
    const cache = new HubCache({ hub: o.hub, cacheDir: o.cacheDir, logger: o.logger })
    const files = await o.resolveFiles(cache)
    const modelId = await modelFingerprint(files.modelDir)
    evaluation = await setUpEvaluation(o, cache, files.modelDir, files.evalPath)
    const { evalSet } = evaluation.parts
    o.logger.info({ model: files.modelDir, modelId, evalRows: evalSet.rows, evalSetHash: evalSet.hash }, 'base model and eval set ready')
    const validator = new Validator({ ...o, ...evaluation.parts, cache, modelId, store })
    const ready = evaluation
    return { validator, store, close: () => closeAll([() => ready.close(), () => store.close()]) }
  } catch (err) {
    await closeAll([() => evaluation?.close(), () => store.close()]).catch(() => undefined)
    throw err
  }
}
