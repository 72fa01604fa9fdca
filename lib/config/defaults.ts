/**
 * The default competition: the live FLock subnet's training settings
 * (shared/reference/peft-lora.md) on Qwen2.5-1.5B-Instruct.
 */
import { deepFreeze } from '../util/deep-freeze.js'
import { LORA_TARGET_MODULES, type CompetitionConfig } from './schema.js'

export const defaultCompetitionConfig: CompetitionConfig = deepFreeze({
  version: 1,
  name: 'flock-default',
  baseModel: { repo: 'Qwen/Qwen2.5-1.5B-Instruct', revision: '989aa7980e4cf806f80c7fef2b1adb7bc71aa306' },
  // The live subnet takes its eval set from the owner's commitment; a competition file names one.
  evalSet: null,
  lora: { r: 16, alpha: 32, dropout: 0.1, targetModules: [...LORA_TARGET_MODULES], useRslora: false },
  training: {
    learningRate: 2e-4,
    warmupSteps: 5,
    microBatchSize: 1,
    gradAccumSteps: 8,
    epochs: 2,
    maxSeqLen: 2048,
    lrSchedule: 'linear',
    adamBeta1: 0.9,
    adamBeta2: 0.999,
    adamEps: 1e-8,
    weightDecay: 0,
    maxGradNorm: 1.0,
  },
  // 250 rows is the live subnet's default `rows`; 2 epochs x ceil(250 / 8) = 64 optimizer steps.
  budget: { maxTrainRows: 250, optimizerSteps: 64 },
  dataset: {
    maxBytes: 100 * 1024 * 1024,
    maxLineBytes: 1024 * 1024,
    minRows: 1,
    maxRows: 100_000,
    maxTurns: 64,
    maxCharsPerMessage: 32_768,
    maxDepth: 8,
  },
  scoring: {
    scheme: 'winrate',
    epsilonStart: 0.005,
    epsilonEnd: 0.0001,
    epsilonDecayBlocks: 2 * 7200,
    temperature: 0.01,
    smoothingAlpha: 0.5,
    winnerTakeAllFraction: 0.05,
    benchmark: null,
  },
} satisfies CompetitionConfig)
