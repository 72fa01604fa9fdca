/** Seeded chat datasets for tests: the generators the local demo uses. */
export { colorRows, countingRows, shuffledRows } from '../../lib/local-subnet/index.js'
export type { DatasetRow as Row } from '../../lib/index.js'
