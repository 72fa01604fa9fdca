/**
 * The winner of a competition: among the max(floor(N × TOP_FRACTION), 1) lowest eval
 * losses (N: the subnet's hotkeys, every uid), the earliest commitment block takes all
 * the weight. Ties: equal losses rank by uid, equal blocks go to the lower uid (the live
 * code breaks them by the order rows come out of its database and the wall-clock second it
 * recorded each submission, which validators do not share).
 */
import { TOP_FRACTION } from './constants.js'

export interface Scored {
  uid: number
  hotkey: string
  commitBlock: number
  loss: number
}

/** How many of the lowest losses may win: 5 % of the hotkeys by rank, at least one. */
export function topCount(hotkeys: number): number {
  return Math.max(Math.floor(hotkeys * TOP_FRACTION), 1)
}

export function selectWinner(scored: readonly Scored[], hotkeys: number): { winner: Scored; top: Scored[] } | null {
  const finite = scored.filter((s) => Number.isFinite(s.loss))
  if (finite.length === 0) return null
  const top = [...finite].sort((a, b) => a.loss - b.loss || a.uid - b.uid).slice(0, topCount(hotkeys))
  const winner = [...top].sort((a, b) => a.commitBlock - b.commitBlock || a.uid - b.uid)[0]!
  return { winner, top }
}
