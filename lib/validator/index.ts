/** The validator: the epoch loop, its persistent store, and the parts a program assembles it from. */
export { Validator, type ValidatorOptions } from './validator.js'
export { assembleValidator, type AssembleOptions, type AssembledValidator } from './assemble.js'
export { ResultStore, StoreCorruptError, StoreLockedError, type ResultStoreOptions, type EvalStatus, type MinerResult, type StoreState, type WeightsRecord } from './store/index.js'
export { jsonReporter, progressReporter, silentReporter, type Reporter, type RoundSummary } from './reporter.js'
export { formatRanking, formatWeights } from './ranking-table.js'
export type { SendOutcome } from './send-weights.js'
export { StopRequested } from './miner-run.js'
export { epochWindow, type EpochWindow } from './epoch-clock.js'
