/**
 * @flock/lora — the scoring library: evaluateDataset(), the native model and trainer, datasets,
 * tokenizer, competition config, scoring and the tiny test model. It loads no chain, hub-client,
 * queue or CLI package; those rooms have their own entry points (@flock/lora/chain, /hub,
 * /validator, /miner, /evaluator, /metrics, /competition, /local-subnet).
 */
export * from './errors.js'
export { loadBaseModel, BaseModel, packSequences } from './native/model.js'
export type { LoadBaseModelOptions, ModelInfo, TokenSequence, ComputeLossOptions, LossResult, SequenceLoss, PackedBatch } from './native/model.js'
export { loadAddon } from './native/load-addon.js'
export { trainAndEvaluate } from './native/train.js'
export type { TrainAndEvaluateOptions, TrainResult, TrainProgress, EvalLosses, EvalLossDefinition } from './native/train.js'
export { DEFAULT_LORA, DEFAULT_TRAINING, LORA_TARGETS, resolveLora, resolveTraining } from './native/train-settings.js'
export type { LoraSettings, LoraTarget, TrainingSettings } from './native/train-settings.js'
export { checkDevice, cudaDevices } from './native/device.js'
export type { DeviceSpec, CudaAvailability } from './native/device.js'
export * from './config/index.js'
export * from './dataset/index.js'
export { SeededRandom } from './util/seeded-random.js'
export type { Seed } from './util/seeded-random.js'
export * from './tokenize/index.js'
export { writeTinyModel } from './tiny-model/index.js'
export type { TinyModelOptions, TinyModelInfo, TinyArch } from './tiny-model/index.js'
export * from './evaluate/index.js'
export * from './scoring/index.js'
