/**
 * Winner-take-all (the live subnet's rule before its rank cut, FLock-subnet validator_utils.py
 * select_winner with LOSS_THRESHOLD_PCT; winner-take-all-rank.ts is today's): among the miners whose loss is within `fraction` of the best loss
 * (loss ≤ best·(1 + fraction)), the earliest commitment takes all the weight; ties on
 * block go to the lower uid. An improvement smaller than the fraction does not unseat
 * an earlier miner, so copying and nudging a dataset does not pay.
 */
import type { Contender } from './winrate.js'

/** The earliest commitment of `contenders` (not empty); a tie on block goes to the lower uid. */
export function earliest<T extends Contender>(contenders: readonly T[]): T {
  return [...contenders].sort((a, b) => a.commitBlock - b.commitBlock || a.uid - b.uid)[0]!
}

export function winnerTakeAll(contenders: readonly Contender[], fraction: number): number | null {
  if (contenders.length === 0) return null
  const best = Math.min(...contenders.map((c) => c.loss))
  const threshold = best * (1 + fraction)
  return earliest(contenders.filter((c) => c.loss <= threshold)).uid
}
