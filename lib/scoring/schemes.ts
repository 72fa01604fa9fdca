/**
 * Step weights over the eligible miners under the competition's scheme. Each scheme
 * also gives a per-miner score for display: the win rate, the benchmark curve's
 * value, or 1 for the winner. Nothing to weigh gives an empty map (the caller burns).
 */
import type { ScoringSettings } from '../config/index.js'
import { benchmarkScore } from './benchmark.js'
import { softmax } from './softmax.js'
import type { EligibleVerdict, UidWeights } from './types.js'
import { winnerTakeAll } from './winner-take-all.js'
import { winnerTakeAllRank } from './winner-take-all-rank.js'
import { winRates } from './winrate.js'

export interface StepWeights {
  weights: UidWeights
  /** The scheme's score of each eligible miner. */
  scores: Map<number, number>
  /** Pairwise win rates (winrate scheme only). */
  winRates: Map<number, number> | null
}

/** `hotkeys`: the subnet's size (every uid), which winner-take-all-rank's cut counts from. */
export function stepWeights(eligible: readonly EligibleVerdict[], scoring: ScoringSettings, block: number, hotkeys: number): StepWeights {
  const contenders = [...eligible].sort((a, b) => a.uid - b.uid).map((e) => ({ uid: e.uid, loss: e.loss, commitBlock: e.commitBlock }))
  const weights: UidWeights = new Map()
  if (contenders.length === 0) return { weights, scores: new Map(), winRates: null }
  switch (scoring.scheme) {
    case 'winrate': {
      const rates = winRates(contenders, block, scoring)
      const probs = softmax(contenders.map((c) => rates.get(c.uid)!), scoring.temperature)
      contenders.forEach((c, i) => weights.set(c.uid, probs[i]!))
      return { weights, scores: rates, winRates: rates }
    }
    case 'benchmark': {
      const curve = scoring.benchmark
      if (!curve) throw new RangeError('scoring.benchmark is required by the benchmark scheme')
      const scores = new Map(contenders.map((c) => [c.uid, benchmarkScore(c.loss, curve)]))
      const sum = [...scores.values()].reduce((a, b) => a + b, 0)
      if (sum > 0) for (const [uid, s] of scores) if (s > 0) weights.set(uid, s / sum)
      return { weights, scores, winRates: null }
    }
    case 'winner-take-all': {
      const winner = winnerTakeAll(contenders, scoring.winnerTakeAllFraction)!
      weights.set(winner, 1)
      return { weights, scores: new Map(contenders.map((c) => [c.uid, c.uid === winner ? 1 : 0])), winRates: null }
    }
    case 'winner-take-all-rank': {
      const { winner } = winnerTakeAllRank(contenders, hotkeys, scoring.winnerTakeAllFraction)!
      weights.set(winner.uid, 1)
      return { weights, scores: new Map(contenders.map((c) => [c.uid, c.uid === winner.uid ? 1 : 0])), winRates: null }
    }
  }
}
