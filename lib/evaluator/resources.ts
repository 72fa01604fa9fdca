/**
 * What an evaluating process loads once and keeps for every job: one base model per device
 * slot (the native core runs one training at a time per model), the tokenizer, the prepared
 * eval set and the hub cache the miners' datasets come through.
 */
import { availableParallelism } from 'node:os'

import type { BaseLogger } from 'pino'

import type { CompetitionConfig } from '../config/index.js'
import { InvalidArgumentError } from '../errors.js'
import { prepareEvalSet, type PreparedEvalSet } from '../evaluate/index.js'
import { type HubCache, resolveCompetitionFiles } from '../hub/index.js'
import { type BaseModel, loadBaseModel } from '../native/model.js'
import { type ChatTokenizer, loadChatTokenizer } from '../tokenize/index.js'
import { competitionConfigId } from './job.js'

export interface DeviceSlot {
  readonly device: string
  readonly model: BaseModel
}

export interface LoadResourcesOptions {
  config: CompetitionConfig
  /** One entry per concurrent job, e.g. ['cuda:0', 'cuda:1'] or ['cpu', 'cpu']; passed through to the model loader. */
  devices: readonly string[]
  hubCache: HubCache
  /** A model folder; default: the config's base model, downloaded through the hub cache. */
  modelDir?: string
  /** An eval set JSONL file; default: the config's eval set, downloaded through the hub cache. */
  evalPath?: string
  /** CPU threads of each slot's model; default: the cores shared evenly among the cpu slots. */
  numThreads?: number
  logger?: BaseLogger
  signal?: AbortSignal
}

export interface EvaluationResources {
  readonly config: CompetitionConfig
  readonly configId: string
  readonly tokenizer: ChatTokenizer
  readonly evalSet: PreparedEvalSet
  readonly slots: readonly DeviceSlot[]
  readonly hubCache: HubCache
  /** Bytes a miner's dataset file may have (the config's dataset.maxBytes). */
  readonly maxDatasetBytes: number
  dispose(): void
}

export function parseDevices(spec: string | readonly string[]): string[] {
  const list = (typeof spec === 'string' ? spec.split(',') : [...spec]).map((d) => d.trim())
  if (list.length === 0 || list.some((d) => !/^[a-z]+(:[0-9]+)?$/.test(d)))
    throw new InvalidArgumentError(`devices: expected a comma-separated list like 'cuda:0,cuda:1' or 'cpu,cpu', got ${JSON.stringify(spec)}`)
  return list
}

export async function loadEvaluationResources(o: LoadResourcesOptions): Promise<EvaluationResources> {
  const devices = parseDevices(o.devices)
  const cpuSlots = devices.filter((d) => d === 'cpu').length
  const numThreads = o.numThreads ?? Math.max(1, Math.floor(availableParallelism() / Math.max(1, cpuSlots)))
  const configId = competitionConfigId(o.config)
  const { modelDir, evalPath } = await resolveCompetitionFiles({
    baseModel: o.config.baseModel, evalSet: o.config.evalSet, competition: o.config.name, cache: o.hubCache,
    ...(o.modelDir !== undefined ? { modelDir: o.modelDir } : {}), ...(o.evalPath !== undefined ? { evalPath: o.evalPath } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  })
  const tokenizer = await loadChatTokenizer(modelDir)
  const evalSet = await prepareEvalSet(tokenizer, { path: evalPath }, {
    maxSeqLen: o.config.training.maxSeqLen, config: o.config, ...(o.signal ? { signal: o.signal } : {}),
  })
  const slots: DeviceSlot[] = []
  try {
    for (const device of devices) {
      // The loader's type names the devices built today; the string is passed as given so a
      // build with more backends needs no change here, and an unsupported one fails at start.
      const model = await loadBaseModel(modelDir, { device: device as 'cpu', numThreads })
      slots.push({ device, model })
    }
  } catch (err) {
    for (const s of slots) s.model.dispose()
    throw err
  }
  o.logger?.info({ configId, config: o.config.name, devices, numThreads, evalRows: evalSet.rows }, 'evaluation resources loaded')
  return {
    config: o.config,
    configId,
    tokenizer,
    evalSet,
    slots,
    hubCache: o.hubCache,
    maxDatasetBytes: o.config.dataset.maxBytes,
    dispose: () => {
      for (const s of slots) s.model.dispose()
    },
  }
}
