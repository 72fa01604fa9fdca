/** Turning scores into the u16 weight vectors that set_weights takes. */
import { ChainRequestError } from './errors.js'

export interface U16Weights {
  uids: number[]
  values: number[]
}

/**
 * Scales non-negative weights so the largest becomes 65535 (as subtensor max-upscales
 * them anyway) and leaves out uids whose weight rounds to zero. All-zero input gives
 * empty vectors.
 */
export function toU16Weights(uids: readonly number[], weights: readonly number[]): U16Weights {
  if (uids.length !== weights.length) throw new ChainRequestError(`${uids.length} uids but ${weights.length} weights`)
  const seen = new Set<number>()
  for (const [i, uid] of uids.entries()) {
    if (!Number.isInteger(uid) || uid < 0 || uid > 0xffff) throw new ChainRequestError(`uid ${uid} is not a u16`)
    if (seen.has(uid)) throw new ChainRequestError(`uid ${uid} appears twice`)
    seen.add(uid)
    const w = weights[i]!
    if (!Number.isFinite(w) || w < 0) throw new ChainRequestError(`weight ${w} for uid ${uid} is not a finite non-negative number`)
  }
  const max = Math.max(0, ...weights)
  const out: U16Weights = { uids: [], values: [] }
  if (max === 0) return out
  for (const [i, uid] of uids.entries()) {
    const v = Math.round((weights[i]! / max) * 0xffff)
    if (v > 0) {
      out.uids.push(uid)
      out.values.push(v)
    }
  }
  return out
}

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
