/**
 * When a flock-off-s1 validator sends its weights: once per tempo, as soon as the next
 * epoch step is at most WEIGHTS_BLOCK_THRESHOLD blocks away. The epoch it is sent for is
 * named by the block of that step, so a restart in the same stretch sends nothing twice.
 */
import type { EpochInfo } from '../../chain/index.js'
import { WEIGHTS_BLOCK_THRESHOLD } from './constants.js'

export function weightsDue(e: Pick<EpochInfo, 'nextEpochBlock' | 'blocksUntilNextEpoch'>, lastSentFor: number | null, threshold = WEIGHTS_BLOCK_THRESHOLD): boolean {
  if (!Number.isFinite(e.blocksUntilNextEpoch)) return false
  if (lastSentFor === e.nextEpochBlock) return false
  return e.blocksUntilNextEpoch <= threshold
}
