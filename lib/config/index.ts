export * from './schema.js'
export { defaultCompetitionConfig } from './defaults.js'
export * from './load.js'
