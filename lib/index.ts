/** @flock/lora — public API. */
export * from './errors.js'
export { loadBaseModel, BaseModel, packSequences } from './model.js'
export type { LoadBaseModelOptions, ModelInfo, TokenSequence, ComputeLossOptions, LossResult, SequenceLoss, PackedBatch } from './model.js'
export { loadAddon } from './native/load-addon.js'
export * from './chain/index.js'
