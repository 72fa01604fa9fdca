/** @flock/lora — public API. */
export * from './errors.js'
export { loadBaseModel, BaseModel, packSequences } from './model.js'
export type { LoadBaseModelOptions, ModelInfo, TokenSequence, ComputeLossOptions, LossResult, SequenceLoss, PackedBatch } from './model.js'
export { loadAddon } from './native/load-addon.js'
export { trainAndEvaluate } from './train.js'
export type { TrainAndEvaluateOptions, TrainResult, TrainProgress, EvalLosses, EvalLossDefinition } from './train.js'
export { DEFAULT_LORA, DEFAULT_TRAINING, LORA_TARGETS, resolveLora, resolveTraining } from './train-settings.js'
export type { LoraSettings, LoraTarget, TrainingSettings } from './train-settings.js'
