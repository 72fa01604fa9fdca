/** The commit-reveal weight hash: BLAKE2-256 of SCALE(hotkey, netuid, uids, values, salt, versionKey). */
import { randomBytes } from 'node:crypto'

import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto'

import { ChainRequestError } from './errors.js'

function u16le(value: number, what: string): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new ChainRequestError(`${what} ${value} is not a u16`)
  return new Uint8Array([value & 0xff, value >> 8])
}

function vecU16(values: readonly number[], what: string): Uint8Array {
  return u8aConcat(compactToU8a(values.length), ...values.map((v) => u16le(v, what)))
}

function u64le(value: bigint): Uint8Array {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new ChainRequestError(`version key ${value} is not a u64`)
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, value, true)
  return out
}

export interface WeightsCommitInput {
  hotkey: string
  netuid: number
  uids: readonly number[]
  values: readonly number[]
  salt: readonly number[]
  versionKey: bigint
}

/** 0x-prefixed hex of the hash subtensor's reveal_weights recomputes. */
export function weightsCommitHash(input: WeightsCommitInput): string {
  const encoded = u8aConcat(
    decodeAddress(input.hotkey),
    u16le(input.netuid, 'netuid'),
    vecU16(input.uids, 'uid'),
    vecU16(input.values, 'weight'),
    vecU16(input.salt, 'salt'),
    u64le(input.versionKey),
  )
  return u8aToHex(blake2AsU8a(encoded, 256))
}

/** Eight random u16 values, as the bittensor SDK uses. */
export function randomSalt(): number[] {
  const bytes = randomBytes(16)
  return Array.from({ length: 8 }, (_, i) => bytes.readUInt16LE(i * 2))
}
