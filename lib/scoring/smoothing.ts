/**
 * Smoothing across steps: W ← α·w + (1 − α)·W over the union of uids (a missing uid
 * counts as 0), then normalized to sum 1, so a first step with no history gives w itself.
 */
import type { UidWeights } from './types.js'

export function smoothWeights(previous: ReadonlyMap<number, number>, step: ReadonlyMap<number, number>, alpha: number): UidWeights {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`smoothing alpha must be in (0, 1], got ${alpha}`)
  const uids = [...new Set([...previous.keys(), ...step.keys()])].sort((a, b) => a - b)
  const mixed = uids.map((uid) => alpha * (step.get(uid) ?? 0) + (1 - alpha) * (previous.get(uid) ?? 0))
  const sum = mixed.reduce((a, b) => a + b, 0)
  const out: UidWeights = new Map()
  if (sum <= 0) return out
  uids.forEach((uid, i) => {
    if (mixed[i]! > 0) out.set(uid, mixed[i]! / sum)
  })
  return out
}
