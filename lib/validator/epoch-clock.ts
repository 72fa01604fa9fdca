/**
 * The validator's epochs: the subnet's own, as the chain reports them (either scheduler, see
 * lib/chain/epoch.ts), unless --blocks_per_epoch sets a plain length.
 */
import type { EpochInfo } from '../chain/index.js'

export interface EpochWindow {
  index: number
  startBlock: number
  /** Last block of the epoch, as scheduled now. */
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

export function epochWindow(info: EpochInfo, blocksPerEpoch?: number): EpochWindow {
  if (blocksPerEpoch !== undefined) {
    if (!Number.isInteger(blocksPerEpoch) || blocksPerEpoch < 1) throw new RangeError(`blocks per epoch must be a positive integer, got ${blocksPerEpoch}`)
    const index = Math.floor(info.block / blocksPerEpoch)
    return { index, startBlock: index * blocksPerEpoch, endBlock: (index + 1) * blocksPerEpoch - 1, length: blocksPerEpoch }
  }
  if (info.tempo <= 0) throw new RangeError('the subnet has no epochs (tempo 0): set --blocks_per_epoch')
  // a full epoch is tempo + 1 blocks under the legacy scheduler, tempo under the stateful one
  const length = info.scheduler === 'legacy' ? info.tempo + 1 : info.tempo
  return { index: info.index, startBlock: info.startBlock, endBlock: info.nextEpochBlock - 1, length }
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
