/** Competitions: their rules (default and the live SN96 flock-off-s1) and the embedded ones by name. */
export type { CommitmentRules, CompetitionRules, SubmissionCheck } from './rules.js'
export { defaultRules } from './default.js'
export { embeddedCompetition, EMBEDDED_COMPETITIONS, rulesOf, type Competition } from './registry.js'
export { flockOffS1Rules, resolveS1EvalSet, resolveCommittedDataset } from './flock-off-s1/rules.js'
export { flockOffS1Config, FLOCK_OFF_S1 } from './flock-off-s1/config.js'
