/**
 * LoRA and optimizer settings of the bench, chosen so the PEFT reference can
 * run the very same: dropout 0 (no random masks to match), constant learning
 * rate, one sequence per optimizer step, data in the given order.
 */
import type { LoraSettings, TrainingSettings } from '../native/train-settings.js'

export const BENCH_LORA: Partial<LoraSettings> = { r: 16, alpha: 32, dropout: 0, targetModules: 'all-linear', useRslora: false, init: 'kaiming' }

export const BENCH_TRAINING: Partial<TrainingSettings> = {
  learningRate: 2e-4,
  lrSchedule: 'constant',
  warmupSteps: 0,
  warmupRatio: 0,
  epochs: 1,
  microBatchSize: 1,
  gradAccumSteps: 1,
  maxGradNorm: 1.0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEps: 1e-8,
  weightDecay: 0,
  shuffle: false,
}

/** The settings as they appear in the JSON output (PEFT / torch names), the same on both sides. */
export const BENCH_LORA_JSON = {
  r: 16,
  alpha: 32,
  dropout: 0,
  target_modules: 'all-linear',
  optimizer: 'adamw',
  lr: 2e-4,
  lr_schedule: 'constant',
  betas: [0.9, 0.999],
  eps: 1e-8,
  weight_decay: 0,
  max_grad_norm: 1.0,
  micro_batch: 1,
  grad_accum: 1,
} as const

/** Untimed steps (train) or forward passes (eval) run before the timed ones. */
export const WARMUP_STEPS = 1
