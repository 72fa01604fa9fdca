/**
 * Subtensor's epochs, for both schedulers a runtime may run.
 *
 * - `legacy` (spec ≤ ~420): stateless arithmetic. Subnet n's epoch index is
 *   floor((block + n + 1) / (tempo + 1)); the epoch step runs on the last block of each index.
 * - `stateful` (subtensor main since May 2026): `SubnetEpochIndex` counts epochs; the step runs in
 *   the first block where `block - LastEpochBlock >= tempo`, or at an owner-triggered
 *   `PendingEpochAt`, or when `BlocksSinceLastStep` exceeds the tempo. The step of block B runs in
 *   its on_initialize, so extrinsics in B already see the new index.
 *
 * Everything a client needs (the current epoch, the next step, the reveal epoch of a commit and
 * the first block of an epoch) is computed here from one `EpochState` read at the head block.
 */

import { ChainRequestError } from './errors.js'
import type { EpochInfo } from './types.js'

export type EpochScheduler = 'legacy' | 'stateful'

/** A subnet's epoch schedule as read at `block` (the head). */
export type EpochState =
  | { scheduler: 'legacy'; netuid: number; tempo: number; block: number }
  | {
      scheduler: 'stateful'
      netuid: number
      tempo: number
      block: number
      lastEpochBlock: number
      /** 0 when no owner-triggered epoch is pending. */
      pendingEpochAt: number
      /** SubnetEpochIndex. */
      epochIndex: number
      blocksSinceLastStep: number
    }

/** The owner-settable tempo bound; also the stateful scheduler's safety net and the search bound. */
export const MAX_TEMPO = 50_400

export function epochIndex(netuid: number, tempo: number, block: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1))
}

/** Blocks until the subnet's next epoch step (legacy scheduler); Infinity when tempo is 0 (epochs disabled). */
export function blocksUntilNextEpoch(netuid: number, tempo: number, block: number): number {
  if (tempo === 0) return Number.POSITIVE_INFINITY
  return tempo - ((block + netuid + 1) % (tempo + 1))
}

type Stateful = Extract<EpochState, { scheduler: 'stateful' }>

function shouldRun(s: Stateful, block: number): boolean {
  if (s.tempo === 0) return false
  if (s.pendingEpochAt > 0 && block >= s.pendingEpochAt) return true
  if (s.blocksSinceLastStep > MAX_TEMPO) return true
  return block - s.lastEpochBlock >= s.tempo
}

/** The schedule one block later: what the runtime's step does to it (the per-block epoch cap is not modelled). */
function step(s: Stateful): Stateful {
  const block = s.block + 1
  const next = { ...s, block, blocksSinceLastStep: s.blocksSinceLastStep + 1 }
  if (!shouldRun(next, block)) return next
  return { ...next, lastEpochBlock: block, pendingEpochAt: 0, epochIndex: s.epochIndex + 1, blocksSinceLastStep: 0 }
}

/** The epoch index an extrinsic in block `s.block + ahead` sees (default: the next block, where one sent now lands). */
export function epochSeenAt(s: EpochState, ahead = 1): number {
  if (s.scheduler === 'legacy') return epochIndex(s.netuid, s.tempo, s.block + ahead)
  let at = s
  for (let i = 0; i < ahead; i++) at = step(at)
  return at.epochIndex
}

/** The epoch index at the head block itself. */
export function currentEpoch(s: EpochState): number {
  return s.scheduler === 'legacy' ? epochIndex(s.netuid, s.tempo, s.block) : s.epochIndex
}

/** The first block, after the head, whose extrinsics see epoch `target`; null when the subnet runs no epochs or `target` is past. */
export function firstBlockOfEpoch(s: EpochState, target: number): number | null {
  if (s.tempo === 0) return null
  if (s.scheduler === 'legacy') {
    const first = Math.max(0, target * (s.tempo + 1) - (s.netuid + 1))
    return first > s.block ? first : epochIndex(s.netuid, s.tempo, s.block + 1) === target ? s.block + 1 : null
  }
  let at = s
  const limit = s.block + (target - s.epochIndex + 1) * MAX_TEMPO + MAX_TEMPO
  while (at.block < limit) {
    at = step(at)
    if (at.epochIndex === target) return at.block
    if (at.epochIndex > target) return null
  }
  return null
}

export interface EpochWindowInfo {
  /** The index the head block is in. */
  index: number
  /** The block this epoch began at. */
  startBlock: number
  /** The block of the next epoch step, by the schedule as it stands (an owner can trigger one sooner). */
  nextEpochBlock: number
}

/** The head's epoch: its index, where it began and where the next begins. Infinity as next when tempo is 0. */
export function epochWindowOf(s: EpochState): EpochWindowInfo {
  if (s.scheduler === 'legacy') {
    const index = epochIndex(s.netuid, s.tempo, s.block)
    if (s.tempo === 0) return { index, startBlock: 0, nextEpochBlock: Number.POSITIVE_INFINITY }
    const start = index * (s.tempo + 1) - (s.netuid + 1)
    return { index, startBlock: Math.max(0, start), nextEpochBlock: start + s.tempo + 1 }
  }
  if (s.tempo === 0) return { index: s.epochIndex, startBlock: s.lastEpochBlock, nextEpochBlock: Number.POSITIVE_INFINITY }
  const next = firstBlockOfEpoch(s, s.epochIndex + 1) ?? Number.POSITIVE_INFINITY
  return { index: s.epochIndex, startBlock: s.lastEpochBlock, nextEpochBlock: next }
}

export type RevealTiming = 'early' | 'open' | 'expired'

/** Whether a hash commit of `commitEpoch` may be revealed by an extrinsic landing in the next block. */
export function revealTiming(s: EpochState, commitEpoch: number, revealPeriodEpochs: number): RevealTiming {
  const due = commitEpoch + revealPeriodEpochs
  const now = epochSeenAt(s)
  return now < due ? 'early' : now === due ? 'open' : 'expired'
}

/**
 * The block the chain first reveals a commit sent now, as the bittensor SDK (bittensor-drand)
 * predicts it: legacy, the first block of the epoch `RevealPeriodEpochs` after the head's;
 * stateful, the first block whose epoch is `RevealPeriodEpochs` after the one the commit lands in.
 */
export function predictRevealBlock(s: EpochState, revealPeriodEpochs: number): number | null {
  if (s.tempo === 0) return null
  if (s.scheduler === 'legacy') {
    const revealEpoch = epochIndex(s.netuid, s.tempo, s.block) + revealPeriodEpochs
    return revealEpoch * (s.tempo + 1) - (s.netuid + 1)
  }
  return firstBlockOfEpoch(s, epochSeenAt(s) + revealPeriodEpochs)
}

/** predictRevealBlock, refusing a subnet that runs no epochs: a commit there would never be revealed. */
export function revealBlockOf(s: EpochState, revealPeriodEpochs: number): number {
  const block = predictRevealBlock(s, revealPeriodEpochs)
  if (block === null) throw new ChainRequestError(`subnet ${s.netuid} runs no epochs (tempo 0): weights committed now would never be revealed`)
  return block
}

/** What Chain.epoch() reports, from the schedule at the head. */
export function epochInfo(s: EpochState): EpochInfo {
  const w = epochWindowOf(s)
  return {
    block: s.block, tempo: s.tempo, scheduler: s.scheduler, index: w.index, startBlock: w.startBlock, nextEpochBlock: w.nextEpochBlock,
    blocksUntilNextEpoch: w.nextEpochBlock - s.block,
  }
}
