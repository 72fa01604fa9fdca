/**
 * The training run of flock-off-s1, the live validator's (FLock-subnet trainer.py): Qwen2.5-1.5B-
 * Instruct, LoRA r 16 / alpha 32 / dropout 0.1 on every linear layer, lr 2e-4 with 5 warmup
 * steps (linear decay, AdamW's defaults otherwise), batch 1 × gradient accumulation 8, 2 epochs
 * over the first 100 rows (steps counted as HF Trainer counts them), context 2048, its own
 * stripped ChatML, eval loss as HF Trainer's with batch 1. What this trainer does differently
 * (no 4-bit base, fp32 AdamW) is in the README. The eval set is not pinned here: it is the head
 * of flock-io/flock-off-s1-competition's main branch when each day's competition opens.
 */
import type { CompetitionConfig } from '../../config/index.js'
import { defaultCompetitionConfig } from '../../config/defaults.js'
import { deepFreeze } from '../../util/deep-freeze.js'
import { SELECTION_SIZE } from './constants.js'

export const FLOCK_OFF_S1 = 'flock-off-s1'

export const flockOffS1Config: CompetitionConfig = deepFreeze({
  version: 1,
  name: FLOCK_OFF_S1,
  baseModel: { ...defaultCompetitionConfig.baseModel },
  evalSet: null,
  // the live validator's LoRA and optimizer settings, which the default competition uses too
  lora: { ...defaultCompetitionConfig.lora, targetModules: [...defaultCompetitionConfig.lora.targetModules] },
  training: { ...defaultCompetitionConfig.training, chatFormat: 'stripped-chatml' },
  budget: { maxTrainRows: SELECTION_SIZE, stepsFromEpochs: true, rowSelection: 'first' },
  // The live validator reads any JSON lines; these bound what a validator downloads and parses.
  dataset: {
    maxBytes: 100 * 1024 * 1024,
    maxLineBytes: 4 * 1024 * 1024,
    minRows: 1,
    maxRows: 1_000_000,
    maxTurns: 256,
    maxCharsPerMessage: 1_048_576,
    maxDepth: 8,
  },
  scoring: {
    scheme: 'winner-take-all-rank',
    epsilonStart: 0,
    epsilonEnd: 0,
    epsilonDecayBlocks: 1,
    temperature: 1,
    smoothingAlpha: 1,
    winnerTakeAllFraction: 0.05,
    benchmark: null,
  },
} satisfies CompetitionConfig)
