/**
 * Builds a ready Validator from its parts: the store (locked), the hub cache, the base
 * model loaded once, its tokenizer and the eval set tokenized once. `close()` undoes it.
 */
import { join } from 'node:path'

import type { Logger } from 'pino'

import type { Chain } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import type { DatasetSource } from '../dataset/index.js'
import { prepareEvalSet } from '../evaluate/index.js'
import { HubCache, type Hub } from '../hub/index.js'
import { loadBaseModel, type BaseModel } from '../model.js'
import { loadChatTokenizer } from '../tokenize/index.js'
import { ResultStore } from './store/index.js'
import { Validator, type ValidatorOptions } from './validator.js'

export interface AssembleOptions extends Pick<ValidatorOptions, 'blocksPerEpoch' | 'evalTimeoutMs' | 'maxAttempts' | 'queue' | 'burnUid' | 'pollMs' | 'marginBlocks' | 'reporter'> {
  chain: Chain
  hub: Hub
  netuid: number
  config: CompetitionConfig
  /** The validator's own state: the result store lives in `<stateDir>/store`. */
  stateDir: string
  /** Root of the HF-layout download cache. */
  cacheDir: string
  logger: Logger
  /** CPU threads for training (0 = all cores). */
  numThreads?: number
  /** Where the base model and the eval set are, fetching them through the cache if needed. */
  resolveFiles(cache: HubCache): Promise<{ modelDir: string; evalSet: DatasetSource }>
}

export interface AssembledValidator {
  validator: Validator
  store: ResultStore
  model: BaseModel
  close(): Promise<void>
}

export async function assembleValidator(o: AssembleOptions): Promise<AssembledValidator> {
  const store = await ResultStore.open(join(o.stateDir, 'store'))
  let model: BaseModel | undefined
  try {
    const cache = new HubCache({ hub: o.hub, cacheDir: o.cacheDir, logger: o.logger })
    const files = await o.resolveFiles(cache)
    o.logger.info({ model: files.modelDir }, 'loading the base model (once, for every evaluation)')
    model = await loadBaseModel(files.modelDir, { numThreads: o.numThreads ?? 0 })
    const tokenizer = await loadChatTokenizer(files.modelDir)
    const evalSet = await prepareEvalSet(tokenizer, files.evalSet, { maxSeqLen: o.config.training.maxSeqLen, config: o.config })
    o.logger.info({ architecture: model.info.architecture, parameters: model.info.numParameters, evalRows: evalSet.rows, evalSetHash: evalSet.hash }, 'base model and eval set ready')
    const validator = new Validator({ ...o, cache, model, tokenizer, evalSet, store })
    const loaded = model
    return {
      validator, store, model: loaded,
      async close() {
        await store.close()
        loaded.dispose()
      },
    }
  } catch (err) {
    model?.dispose()
    await store.close()
    throw err
  }
}
