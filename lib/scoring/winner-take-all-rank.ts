/**
 * Winner-take-all by rank, the live subnet's rule since February 2026: among the
 * max(floor(N × fraction), 1) lowest eval losses (N: the subnet's hotkeys, every uid), the
 * earliest commitment block takes all the weight. Ties: equal losses rank by uid, equal
 * blocks go to the lower uid (the live code breaks them by the order rows come out of its
 * database and the wall-clock second it recorded each submission, which validators do not
 * share). Compare winner-take-all.ts, the rule before it (a fraction of the best loss).
 */
import { earliest } from './winner-take-all.js'
import type { Contender } from './winrate.js'

export type RankContender = Contender

/** How many of the lowest losses may win: `fraction` of the hotkeys by rank, at least one. */
export function topCount(hotkeys: number, fraction: number): number {
  return Math.max(Math.floor(hotkeys * fraction), 1)
}

export function winnerTakeAllRank<T extends RankContender>(contenders: readonly T[], hotkeys: number, fraction: number): { winner: T; top: T[] } | null {
  const finite = contenders.filter((c) => Number.isFinite(c.loss))
  if (finite.length === 0) return null
  const top = [...finite].sort((a, b) => a.loss - b.loss || a.uid - b.uid).slice(0, topCount(hotkeys, fraction))
  return { winner: earliest(top), top }
}
