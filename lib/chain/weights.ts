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
