/**
 * The validator's epochs: the subnet's own (tempo + 1 blocks, offset by netuid + 1, as
 * subtensor steps them) unless --blocks_per_epoch sets a plain length.
 */
import { epochIndex } from '../chain/index.js'

export interface EpochWindow {
  index: number
  startBlock: number
  /** Last block of the epoch. */
  endBlock: number
  /** Blocks in a full epoch of this kind. */
  length: number
}

/** Most blocks kept free at an epoch's end for weighing and sending weights. */
export const MAX_END_MARGIN_BLOCKS = 10

/**
 * How many blocks before an epoch's end the validator stops starting evaluations: 10, or
 * a quarter of a short epoch (so `--blocks_per_epoch 10` still evaluates in its first 8).
 */
export function endOfEpochMargin(window: Pick<EpochWindow, 'length'>): number {
  return Math.min(MAX_END_MARGIN_BLOCKS, Math.floor(window.length / 4))
}

export function epochWindow(block: number, netuid: number, tempo: number, blocksPerEpoch?: number): EpochWindow {
  if (blocksPerEpoch !== undefined) {
    if (!Number.isInteger(blocksPerEpoch) || blocksPerEpoch < 1) throw new RangeError(`blocks per epoch must be a positive integer, got ${blocksPerEpoch}`)
    const index = Math.floor(block / blocksPerEpoch)
    return { index, startBlock: index * blocksPerEpoch, endBlock: (index + 1) * blocksPerEpoch - 1, length: blocksPerEpoch }
  }
  if (tempo <= 0) throw new RangeError('the subnet has no epochs (tempo 0): set --blocks_per_epoch')
  const index = epochIndex(netuid, tempo, block)
  const start = index * (tempo + 1) - (netuid + 1)
  return { index, startBlock: Math.max(0, start), endBlock: start + tempo, length: tempo + 1 }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
