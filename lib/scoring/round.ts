/**
 * One scoring step, from per-miner records to the u16 vectors to set:
 * eligibility → step weights (the competition's scheme) → burn when nothing is
 * eligible → smoothing with the previous step → u16. Pure: the same inputs give the
 * same output on every validator.
 */
import type { ScoringSettings } from '../config/index.js'
import { checkEligibility } from './eligibility.js'
import { stepWeights } from './schemes.js'
import { smoothWeights } from './smoothing.js'
import type { EligibleVerdict, IneligibleCode, Submission, UidWeights, Verdict } from './types.js'
import { mapToU16, type U16Weights } from './u16.js'

export interface ScoreRoundInput {
  submissions: readonly Submission[]
  /** Head block: the age of each commitment is measured from it. */
  block: number
  scoring: ScoringSettings
  /** The smoothed weights of the previous step, by uid (empty on a cold start). */
  previous: ReadonlyMap<number, number>
  /** Gets all the step's weight when no miner is eligible: the subnet owner's uid. */
  burnUid: number
  /** The subnet's hotkeys (every uid): winner-take-all-rank counts its cut from it. Default: the submissions. */
  hotkeys?: number
}

export interface RankingRow {
  uid: number
  hotkey: string
  commitBlock: number
  eligible: boolean
  /** 'scored' or why the miner is ineligible. */
  code: 'scored' | IneligibleCode
  reason: string
  loss: number | null
  /** The scheme's score (win rate for the winrate scheme); null when ineligible. */
  score: number | null
  /** Smoothed weight, summing to 1 over all uids. */
  weight: number
}

export interface ScoreRoundResult {
  verdicts: Verdict[]
  step: UidWeights
  /** True when the step's weight went to burnUid because nothing was eligible. */
  burned: boolean
  weights: UidWeights
  u16: U16Weights
  /** Eligible miners by score (then loss, then uid), then the ineligible ones by uid. */
  ranking: RankingRow[]
}

export function scoreRound(input: ScoreRoundInput): ScoreRoundResult {
  const verdicts = checkEligibility(input.submissions)
  const eligible = verdicts.filter((v): v is EligibleVerdict => v.eligible)
  const step = stepWeights(eligible, input.scoring, input.block, input.hotkeys ?? input.submissions.length)
  const burned = step.weights.size === 0
  const stepW: UidWeights = burned ? new Map([[input.burnUid, 1]]) : step.weights
  const weights = smoothWeights(input.previous, stepW, input.scoring.smoothingAlpha)
  const rows: RankingRow[] = verdicts.map((v) => ({
    uid: v.uid,
    hotkey: v.hotkey,
    commitBlock: v.commitBlock,
    eligible: v.eligible,
    code: v.eligible ? 'scored' : v.code,
    reason: v.eligible ? 'scored' : v.reason,
    loss: v.loss,
    score: v.eligible ? step.scores.get(v.uid) ?? 0 : null,
    weight: weights.get(v.uid) ?? 0,
  }))
  const rank = (a: RankingRow, b: RankingRow): number =>
    Number(b.eligible) - Number(a.eligible) ||
    (a.eligible && b.eligible ? b.score! - a.score! || a.loss! - b.loss! : 0) ||
    a.uid - b.uid
  return { verdicts, step: stepW, burned, weights, u16: mapToU16(weights), ranking: rows.sort(rank) }
}
