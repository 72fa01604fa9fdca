/**
 * The training budget: whatever a dataset's size, training takes a fixed number of
 * optimizer steps (or of tokens, turned into steps), so a larger dataset buys no
 * more training and a small one is repeated, visibly.
 */
import type { TrainingBudget } from '../config/index.js'
import type { TrainingBudgetUsed } from './types.js'

export interface BudgetInput {
  budget: TrainingBudget
  configEpochs: number
  rowsAvailable: number
  rowsSampled: number
  /** token count of each training sequence */
  sequenceTokens: number[]
  microBatchSize: number
  gradAccumSteps: number
}

export function planBudget(b: BudgetInput): TrainingBudgetUsed {
  const n = b.sequenceTokens.length
  const perStep = b.microBatchSize * b.gradAccumSteps
  let steps: number
  let limitedBy: TrainingBudgetUsed['limitedBy']
  if (b.budget.optimizerSteps !== undefined) {
    steps = b.budget.optimizerSteps
    limitedBy = 'optimizerSteps'
  } else if (b.budget.stepsFromEpochs) {
    // HF Trainer's count (and the native loop's with maxSteps 0): a last partial accumulation is a step
    steps = b.configEpochs * Math.ceil(Math.ceil(n / b.microBatchSize) / b.gradAccumSteps)
    limitedBy = 'epochs'
  } else {
    // tokens per step from the data itself: the same dataset always gets the same step count
    const total = b.sequenceTokens.reduce((a, t) => a + t, 0)
    const tokensPerStep = (total / n) * Math.min(perStep, n)
    steps = Math.max(1, Math.ceil((b.budget.trainTokens ?? 0) / tokensPerStep))
    limitedBy = 'trainTokens'
  }
  const epochs = limitedBy === 'epochs' ? b.configEpochs : (steps * perStep) / n
  return {
    maxTrainRows: b.budget.maxTrainRows,
    rowsAvailable: b.rowsAvailable,
    rowsSampled: b.rowsSampled,
    sequences: n,
    limitedBy,
    optimizerSteps: steps,
    epochs,
    repeated: epochs > b.configEpochs + 1e-9,
  }
}
