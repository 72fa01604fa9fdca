/**
 * Subtensor's epoch arithmetic (pallets/subtensor: get_epoch_index,
 * blocks_until_next_epoch, is_reveal_block_range). Each subnet's epochs are
 * offset by netuid + 1 so that subnets do not all step on the same block.
 */

export function epochIndex(netuid: number, tempo: number, block: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1))
}

/** Blocks until the subnet's next epoch step; Infinity when tempo is 0 (epochs disabled). */
export function blocksUntilNextEpoch(netuid: number, tempo: number, block: number): number {
  if (tempo === 0) return Number.POSITIVE_INFINITY
  return tempo - ((block + netuid + 1) % (tempo + 1))
}

export interface RevealWindow {
  firstBlock: number
  lastBlock: number
}

/** The only blocks in which a commit made at `commitBlock` may be revealed. */
export function revealWindow(netuid: number, tempo: number, revealPeriodEpochs: number, commitBlock: number): RevealWindow {
  const revealEpoch = epochIndex(netuid, tempo, commitBlock) + revealPeriodEpochs
  const firstBlock = Math.max(0, revealEpoch * (tempo + 1) - (netuid + 1))
  return { firstBlock, lastBlock: firstBlock + tempo }
}

export type RevealTiming = 'early' | 'open' | 'expired'

export function revealTiming(netuid: number, tempo: number, revealPeriodEpochs: number, commitBlock: number, block: number): RevealTiming {
  const due = epochIndex(netuid, tempo, commitBlock) + revealPeriodEpochs
  const now = epochIndex(netuid, tempo, block)
  return now < due ? 'early' : now === due ? 'open' : 'expired'
}
