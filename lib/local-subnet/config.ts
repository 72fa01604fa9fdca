/**
 * The competition config of local runs and the demo: the live subnet's recipe on the tiny
 * model, with budgets small enough that a round of a few miners takes seconds on a CPU.
 */
import { defaultCompetitionConfig, mergeCompetitionConfig, type CompetitionConfig } from '../config/index.js'

export const localCompetitionConfig: CompetitionConfig = mergeCompetitionConfig(defaultCompetitionConfig, {
  name: 'flock-local',
  lora: { r: 8, alpha: 16, dropout: 0 },
  training: { learningRate: 5e-3, warmupSteps: 2, microBatchSize: 4, gradAccumSteps: 1, maxSeqLen: 128 },
  budget: { maxTrainRows: 64, optimizerSteps: 30 },
  dataset: { maxBytes: 4 * 1024 * 1024, maxLineBytes: 64 * 1024, minRows: 8, maxRows: 10_000 },
  // a warmer softmax than the live 0.01, so the demo's table shows more than one non-zero weight
  scoring: { temperature: 0.1 },
})
