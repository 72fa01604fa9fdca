/**
 * The plaintext of a timelocked weight commit, `WeightsTlockPayload` in subtensor and
 * bittensor-drand: SCALE of { hotkey: Vec<u8> (the committer's 32-byte public key),
 * uids: Vec<u16>, values: Vec<u16>, version_key: u64 }, encrypted to the drand round the
 * chain reveals it at.
 */
import { TypeRegistry } from '@polkadot/types'
import type { Bytes, Tuple, u64, Vec, u16 } from '@polkadot/types'
import { u8aToHex } from '@polkadot/util'
import { decodeAddress } from '@polkadot/util-crypto'

import { ChainRequestError, TimelockError } from './errors.js'
import { decryptTimelocked, encryptTimelocked, type TimelockOptions } from './timelock.js'
import { checkWeightsArgs } from './weights.js'

const registry = new TypeRegistry()
// A struct encodes as the tuple of its fields; a tuple, because a polkadot Struct cannot have a field named `values`.
const PAYLOAD = '(Vec<u8>, Vec<u16>, Vec<u16>, u64)'
type PayloadCodec = Tuple & [Bytes, Vec<u16>, Vec<u16>, u64]

export interface WeightsTlockPayload {
  /** 0x-hex of the committer's 32-byte public key. */
  hotkey: string
  uids: number[]
  values: number[]
  versionKey: bigint
}

export interface TimelockedWeightsInput {
  /** SS58 address or 0x-hex 32-byte public key of the hotkey that sends the commit. */
  hotkey: string
  uids: readonly number[]
  values: readonly number[]
  versionKey: bigint
  /** The drand round at which the chain decrypts and applies the weights. */
  revealRound: bigint
}

function publicKeyOf(hotkey: string): Uint8Array {
  let key: Uint8Array
  try {
    key = decodeAddress(hotkey)
  } catch {
    throw new ChainRequestError(`hotkey ${JSON.stringify(hotkey.slice(0, 80))} is neither an SS58 address nor a 0x-hex public key`)
  }
  if (key.length !== 32) throw new ChainRequestError(`hotkey ${JSON.stringify(hotkey.slice(0, 80))} is ${key.length} bytes, not a 32-byte public key`)
  return key
}

export function encodeWeightsPayload(p: Omit<TimelockedWeightsInput, 'revealRound'>): Uint8Array {
  if (p.uids.length !== p.values.length) throw new ChainRequestError(`${p.uids.length} uids but ${p.values.length} weights`)
  checkWeightsArgs(0, p.uids, p.values, p.versionKey)
  // Bytes from hex are the value itself; from a Uint8Array they would be read as already length-prefixed.
  return registry.createType(PAYLOAD, [u8aToHex(publicKeyOf(p.hotkey)), p.uids, p.values, p.versionKey]).toU8a()
}

/** Decodes the SCALE payload; TimelockError when the bytes are not exactly one payload. */
export function decodeWeightsPayload(bytes: Uint8Array): WeightsTlockPayload {
  let c: PayloadCodec
  try {
    c = registry.createType<PayloadCodec>(PAYLOAD, bytes)
  } catch (err) {
    throw new TimelockError(`the plaintext is not a WeightsTlockPayload (${(err as Error).message.slice(0, 120)})`)
  }
  if (c.encodedLength !== bytes.length) throw new TimelockError(`the plaintext has ${bytes.length - c.encodedLength} bytes after the WeightsTlockPayload`)
  const [hotkey, uids, values, versionKey] = c
  if (hotkey.length !== 32) throw new TimelockError(`the payload's hotkey is ${hotkey.length} bytes, not 32`)
  return { hotkey: u8aToHex(hotkey.toU8a(true)), uids: uids.map((u) => u.toNumber()), values: values.map((v) => v.toNumber()), versionKey: versionKey.toBigInt() }
}

/** The bytes subtensor's commit_timelocked_weights takes as `commit`. */
export function encryptTimelockedWeights(input: TimelockedWeightsInput, options?: TimelockOptions): Uint8Array {
  return encryptTimelocked(encodeWeightsPayload(input), input.revealRound, options)
}

/** Opens a timelocked weight commit with its round's drand signature and decodes the payload. */
export function decryptTimelockedWeights(commit: Uint8Array, signatureHex: string): WeightsTlockPayload {
  return decodeWeightsPayload(decryptTimelocked(commit, signatureHex))
}
