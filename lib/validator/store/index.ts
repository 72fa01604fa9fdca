export { ResultStore, type ResultStoreOptions } from './result-store.js'
export { StoreCorruptError, StoreLockedError } from './errors.js'
export type { EvalStatus, MinerResult, StoreState, WeightsRecord } from './records.js'
