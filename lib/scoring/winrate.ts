/**
 * Pairwise win rates (SN9 style). For i committed earlier than j, with ε from the age
 * of i's commitment: i beats j ⇔ loss_i·(1−ε) < loss_j, and j beats i ⇔
 * loss_j < loss_i·(1−ε). Commitments in the same block compare plain losses; equal
 * losses are a win for neither. winrate = wins / opponents, and 1 with no opponent.
 */
import { epsilonAt, type EpsilonDecay } from './epsilon.js'

export interface Contender {
  uid: number
  loss: number
  commitBlock: number
}

/** Whether `a` beats `b` at head block `block`. */
export function beats(a: Contender, b: Contender, block: number, decay: EpsilonDecay): boolean {
  if (a.commitBlock === b.commitBlock) return a.loss < b.loss
  const earlier = a.commitBlock < b.commitBlock ? a : b
  const handicapped = earlier.loss * (1 - epsilonAt(block - earlier.commitBlock, decay))
  return a === earlier ? handicapped < b.loss : a.loss < handicapped
}

export function winRates(contenders: readonly Contender[], block: number, decay: EpsilonDecay): Map<number, number> {
  const sorted = [...contenders].sort((x, y) => x.uid - y.uid)
  const out = new Map<number, number>()
  for (const a of sorted) {
    if (sorted.length === 1) {
      out.set(a.uid, 1)
      continue
    }
    let wins = 0
    for (const b of sorted) if (b !== a && beats(a, b, block, decay)) wins++
    out.set(a.uid, wins / (sorted.length - 1))
  }
  return out
}
