/** Loads a committed training fixture (test/fixtures/training/<case>/). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import type { LoraSettings, LoraTarget, TokenSequence, TrainingSettings } from '../../lib/index.js'
import { referenceDir, repoRoot } from './paths.js'
import { readSafetensors, tensorAs } from './safetensors.js'

export const trainingDir = join(repoRoot, 'test', 'fixtures', 'training')

export interface TrainingFixture {
  name: string
  dir: string
  modelDir: string
  train: TokenSequence[]
  eval: TokenSequence[]
  lora: Partial<LoraSettings>
  training: Partial<TrainingSettings>
  seed: number
  expected: {
    steps: number
    step_loss: number[]
    step_lr: number[]
    step_grad_norm: number[]
    eval_before: { token_mean: number; example_mean: number }
    eval: { token_mean: number; example_mean: number; targets: number }
    peft_eval_of_our_adapter: { token_mean: number; example_mean: number }
  }
}

function sequences(tokens: Int32Array, mask: Uint8Array, offsets: number[]): TokenSequence[] {
  return offsets.slice(0, -1).map((b, i) => ({ tokens: tokens.subarray(b, offsets[i + 1]), lossMask: mask.subarray(b, offsets[i + 1]) }))
}

export function trainingCases(): string[] {
  return JSON.parse(readFileSync(join(trainingDir, 'cases.json'), 'utf8')) as string[]
}

export function loadTrainingFixture(name: string): TrainingFixture {
  const dir = join(trainingDir, name)
  const settings = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))
  const data = readSafetensors(join(dir, 'data.safetensors'))
  const get = <T extends Int32Array | Uint8Array | BigInt64Array>(k: string, C: { new (b: ArrayBuffer): T }) => tensorAs(data.get(k)!, C)
  const l = settings.lora
  const t = settings.train
  return {
    name,
    dir,
    modelDir: join(referenceDir, settings.model),
    train: sequences(get('train_tokens', Int32Array), get('train_mask', Uint8Array), Array.from(get('train_offsets', BigInt64Array), Number)),
    eval: sequences(get('eval_tokens', Int32Array), get('eval_mask', Uint8Array), Array.from(get('eval_offsets', BigInt64Array), Number)),
    lora: { r: l.r, alpha: l.alpha, dropout: l.dropout, targetModules: l.target_modules as LoraTarget[], useRslora: l.use_rslora },
    training: {
      learningRate: t.lr,
      lrSchedule: t.schedule,
      warmupSteps: t.warmup_steps,
      epochs: t.epochs,
      microBatchSize: t.micro_batch_size,
      gradAccumSteps: t.grad_accum,
      maxGradNorm: t.max_grad_norm,
      adamBeta1: t.beta1,
      adamBeta2: t.beta2,
      adamEps: t.eps,
      weightDecay: t.weight_decay,
      shuffle: t.shuffle,
    },
    seed: t.seed,
    expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')),
  }
}
