/** Checks on the u16 weight vectors set_weights takes (scores become u16 weights in lib/scoring). */
import { ChainRequestError } from './errors.js'

const isU16 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffff

/** Rejects arguments that cannot be encoded, before anything is signed or sent. */
export function checkWeightsArgs(netuid: number, uids: readonly number[], values: readonly number[], versionKey?: bigint): void {
  if (!isU16(netuid)) throw new ChainRequestError(`netuid ${netuid} is not a u16`)
  const badUid = uids.find((u) => !isU16(u))
  if (badUid !== undefined) throw new ChainRequestError(`uid ${badUid} is not a u16`)
  const badValue = values.find((v) => !isU16(v))
  if (badValue !== undefined) throw new ChainRequestError(`weight ${badValue} is not a u16`)
  if (versionKey !== undefined && (versionKey < 0n || versionKey > 0xffff_ffff_ffff_ffffn)) throw new ChainRequestError(`version key ${versionKey} is not a u64`)
}

/** Subnets a runtime can have; a mechanism's storage index is mechanismId * this + netuid (subtensor's NetUidStorageIndex). */
export const GLOBAL_MAX_SUBNET_COUNT = 4096

/** The key weights storage (and the commit hash) use for `mechanismId` of `netuid`; the netuid itself for mechanism 0. */
export function mechanismStorageIndex(netuid: number, mechanismId = 0): number {
  if (!Number.isInteger(mechanismId) || mechanismId < 0 || mechanismId > 0xff) throw new ChainRequestError(`mechanism id ${mechanismId} is not a u8`)
  if (mechanismId === 0) return netuid
  if (netuid >= GLOBAL_MAX_SUBNET_COUNT) throw new ChainRequestError(`netuid ${netuid} has no mechanisms (at most ${GLOBAL_MAX_SUBNET_COUNT} subnets)`)
  const index = mechanismId * GLOBAL_MAX_SUBNET_COUNT + netuid
  if (index > 0xffff) throw new ChainRequestError(`mechanism ${mechanismId} of subnet ${netuid} has no storage index (more than a u16)`)
  return index
}
