/**
 * The live FLock subnet's (netuid 96) competition constants since its February 2026
 * redesign, restated from FLock-io/FLock-subnet (shared/reference/live-sn96.md; file and
 * line of each in the tests, test/competition/flock-off-s1-rules.test.ts).
 */

/** A submission is its first this-many rows (SELECTION_SIZE). */
export const SELECTION_SIZE = 100

/** Two selections sharing more than this many identical rows are duplicates (DEFAULT_DUPLICATE_COUNT). */
export const DUPLICATE_SHARED_ROWS = 33

/** The winner is the earliest commitment among the max(floor(N × this), 1) lowest losses (N hotkeys). */
export const TOP_FRACTION = 0.05

/** Minutes after 00:00 UTC: submissions 12:00–12:30, validation 12:30 → 11:30 the next day, rewards 11:30–12:00. */
export const SUBMISSION_START_MIN = 12 * 60
export const VALIDATION_START_MIN = 12 * 60 + 30
export const REWARD_START_MIN = 11 * 60 + 30

/** Weights are sent once per tempo, when the next epoch is at most this many blocks away (--block_threshold). */
export const WEIGHTS_BLOCK_THRESHOLD = 50

/** The public eval set and the branch whose head names the day's competition. */
export const EVAL_SET_REPO = 'flock-io/flock-off-s1-competition'
export const EVAL_SET_BRANCH = 'main'

/** The revision field "None" means the repo's main branch. */
export const NONE_REVISION = 'None'

/** A committed revision must be a prefix of the commit sha it resolves to, at least this long. */
export const MIN_REVISION_LENGTH = 7
