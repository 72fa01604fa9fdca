/**
 * Weights to the u16 vectors set_weights takes: the largest weight becomes 65535 (as
 * subtensor max-upscales anyway), the others scale with it, rounding half up; weights
 * that round to zero are left out. The output is in ascending uid order whatever the
 * input order, and equal weights always get equal values, so every validator holding
 * the same weights sends the same vectors.
 */
import { InvalidArgumentError } from '../errors.js'

export interface U16Weights {
  uids: number[]
  values: number[]
}

export const U16_MAX = 0xffff

export function toU16Weights(uids: readonly number[], weights: readonly number[]): U16Weights {
  if (uids.length !== weights.length) throw new InvalidArgumentError(`${uids.length} uids but ${weights.length} weights`)
  const seen = new Set<number>()
  for (const [i, uid] of uids.entries()) {
    if (!Number.isInteger(uid) || uid < 0 || uid > U16_MAX) throw new InvalidArgumentError(`uid ${uid} is not a u16`)
    if (seen.has(uid)) throw new InvalidArgumentError(`uid ${uid} appears twice`)
    seen.add(uid)
    const w = weights[i]!
    if (!Number.isFinite(w) || w < 0) throw new InvalidArgumentError(`weight ${w} for uid ${uid} is not a finite non-negative number`)
  }
  const max = Math.max(0, ...weights)
  const out: U16Weights = { uids: [], values: [] }
  if (max === 0) return out
  const order = [...uids.keys()].sort((a, b) => uids[a]! - uids[b]!)
  for (const i of order) {
    const v = weights[i] === max ? U16_MAX : Math.floor((weights[i]! / max) * U16_MAX + 0.5)
    if (v > 0) {
      out.uids.push(uids[i]!)
      out.values.push(v)
    }
  }
  return out
}

export function mapToU16(weights: ReadonlyMap<number, number>): U16Weights {
  return toU16Weights([...weights.keys()], [...weights.values()])
}
