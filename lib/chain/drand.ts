/** drand's quicknet beacon, whose pulses subtensor's Drand pallet stores and decrypts timelocked data with. */
import { hexToU8a } from '@polkadot/util'

import { revealBlockOf, type EpochState } from './epoch.js'

export const QUICKNET = {
  chainHash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971',
  /** Unix seconds of the beacon's genesis (round 1). */
  genesisTime: 1_692_803_367,
  periodSeconds: 3,
  /** BLS public key, G2 compressed. */
  publicKey: hexToU8a(
    '0x83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a',
  ),
  /** Hash-to-curve domain separation tag of its signatures (on G1). */
  dst: 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_',
} as const

/** The quicknet round current at `unixSeconds`, as the SDK computes it (floor, at least 1). */
export function drandRoundAt(unixSeconds: number): bigint {
  const round = Math.floor((unixSeconds - QUICKNET.genesisTime) / QUICKNET.periodSeconds)
  return BigInt(Math.max(1, round))
}

/** Blocks the SDK adds to the reveal block, so that the round's pulse is on chain by then. */
export const REVEAL_SECURITY_BLOCKS = 3

export interface RevealRoundOptions {
  /** Unix seconds now. */
  nowSeconds: number
  /** Seconds per block (12 on finney; 0.25 on a fast-blocks local node). */
  blockSeconds: number
}

/**
 * The drand round a timelocked weight commit sent now is encrypted to, as the bittensor SDK
 * computes it (bittensor-drand's get_encrypted_commit / get_encrypted_commit_v2): the
 * predicted first reveal block plus 3, turned into wall time at `blockSeconds` per block.
 */
export function timelockRevealRound(state: EpochState, revealPeriodEpochs: number, o: RevealRoundOptions): { revealRound: bigint; revealBlock: number } {
  const revealBlock = revealBlockOf(state, revealPeriodEpochs)
  const blocks = Math.max(0, revealBlock + REVEAL_SECURITY_BLOCKS - state.block)
  return { revealRound: drandRoundAt(o.nowSeconds + blocks * o.blockSeconds), revealBlock }
}

/** The round `blocks` blocks from now, for timelocked commitments (the SDK's get_encrypted_commitment rounds the delay to whole seconds). */
export function roundAfterBlocks(blocks: number, o: RevealRoundOptions): bigint {
  return drandRoundAt(Math.floor(o.nowSeconds) + Math.round(blocks * o.blockSeconds))
}
