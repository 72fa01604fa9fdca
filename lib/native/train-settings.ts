/**
 * LoRA and training settings: types, the live subnet's defaults, and validation
 * with messages that name the offending field.
 */
import { InvalidArgumentError } from '../errors.js'

export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const
export type LoraTarget = (typeof LORA_TARGETS)[number]

export interface LoraSettings {
  r: number
  alpha: number
  dropout: number
  /** Modules to adapt, or 'all-linear' (all seven; lm_head excluded, as PEFT). */
  targetModules: LoraTarget[] | 'all-linear'
  /** Scale alpha/sqrt(r) instead of alpha/r. */
  useRslora: boolean
  /** Init of A: PEFT's default kaiming-uniform, or N(0, 1/r²). B starts at zero either way. */
  init: 'kaiming' | 'gaussian'
}

export interface TrainingSettings {
  learningRate: number
  lrSchedule: 'linear' | 'cosine' | 'constant'
  /** Linear warmup steps; when 0, warmupRatio · total steps (rounded up) is used. */
  warmupSteps: number
  warmupRatio: number
  epochs: number
  /** > 0: stop after this many optimizer steps (cycling epochs). */
  maxSteps: number
  /** Sequences per micro-batch (packed without cross-attention). */
  microBatchSize: number
  gradAccumSteps: number
  /** 0 disables clipping. */
  maxGradNorm: number
  adamBeta1: number
  adamBeta2: number
  adamEps: number
  weightDecay: number
  /** Shuffle the data order each epoch from the seed (else keep the given order). */
  shuffle: boolean
  /** Token budget of one evaluation forward pass (whole sequences are packed up to it). */
  evalBatchTokens: number
}

/** The live FLock validator's settings (shared/reference/peft-lora.md). */
export const DEFAULT_LORA: Readonly<LoraSettings> = Object.freeze({
  r: 16,
  alpha: 32,
  dropout: 0.1,
  targetModules: 'all-linear',
  useRslora: false,
  init: 'kaiming',
})

export const DEFAULT_TRAINING: Readonly<TrainingSettings> = Object.freeze({
  learningRate: 2e-4,
  lrSchedule: 'linear',
  warmupSteps: 5,
  warmupRatio: 0,
  epochs: 2,
  maxSteps: 0,
  microBatchSize: 1,
  gradAccumSteps: 8,
  maxGradNorm: 1.0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEps: 1e-8,
  weightDecay: 0,
  shuffle: true,
  evalBatchTokens: 8192,
})

function check(cond: boolean, field: string, why: string, value: unknown): void {
  if (!cond) throw new InvalidArgumentError(`${field}: ${why} (got ${JSON.stringify(value)})`)
}

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v)

export function resolveLora(partial: Partial<LoraSettings> = {}, where = 'lora'): LoraSettings {
  const s = { ...DEFAULT_LORA, ...partial } as LoraSettings
  for (const key of Object.keys(partial)) check(key in DEFAULT_LORA, `${where}.${key}`, 'unknown setting', key)
  check(isInt(s.r, 1, 4096), `${where}.r`, 'must be an integer in [1, 4096]', s.r)
  check(isNum(s.alpha) && s.alpha > 0, `${where}.alpha`, 'must be a positive number', s.alpha)
  check(isNum(s.dropout) && s.dropout >= 0 && s.dropout < 1, `${where}.dropout`, 'must be in [0, 1)', s.dropout)
  check(typeof s.useRslora === 'boolean', `${where}.useRslora`, 'must be a boolean', s.useRslora)
  check(s.init === 'kaiming' || s.init === 'gaussian', `${where}.init`, "must be 'kaiming' or 'gaussian'", s.init)
  if (s.targetModules !== 'all-linear') {
    const t = s.targetModules
    check(Array.isArray(t) && t.length > 0, `${where}.targetModules`, "must be 'all-linear' or a non-empty list", t)
    for (const m of t) check((LORA_TARGETS as readonly string[]).includes(m), `${where}.targetModules`, `unknown module (known: ${LORA_TARGETS.join(', ')})`, m)
    check(new Set(t).size === t.length, `${where}.targetModules`, 'lists a module twice', t)
  }
  return s
}

export function resolveTraining(partial: Partial<TrainingSettings> = {}, where = 'training'): TrainingSettings {
  const s = { ...DEFAULT_TRAINING, ...partial } as TrainingSettings
  for (const key of Object.keys(partial)) check(key in DEFAULT_TRAINING, `${where}.${key}`, 'unknown setting', key)
  check(isNum(s.learningRate) && s.learningRate > 0, `${where}.learningRate`, 'must be a positive number', s.learningRate)
  check(['linear', 'cosine', 'constant'].includes(s.lrSchedule), `${where}.lrSchedule`, "must be 'linear', 'cosine' or 'constant'", s.lrSchedule)
  check(isInt(s.warmupSteps, 0), `${where}.warmupSteps`, 'must be a non-negative integer', s.warmupSteps)
  check(isNum(s.warmupRatio) && s.warmupRatio >= 0 && s.warmupRatio <= 1, `${where}.warmupRatio`, 'must be in [0, 1]', s.warmupRatio)
  check(isInt(s.epochs, 1, 10_000), `${where}.epochs`, 'must be an integer in [1, 10000]', s.epochs)
  check(isInt(s.maxSteps, 0), `${where}.maxSteps`, 'must be a non-negative integer', s.maxSteps)
  check(isInt(s.microBatchSize, 1, 65_536), `${where}.microBatchSize`, 'must be a positive integer', s.microBatchSize)
  check(isInt(s.gradAccumSteps, 1, 65_536), `${where}.gradAccumSteps`, 'must be a positive integer', s.gradAccumSteps)
  check(isNum(s.maxGradNorm) && s.maxGradNorm >= 0, `${where}.maxGradNorm`, 'must be >= 0', s.maxGradNorm)
  check(isNum(s.adamBeta1) && s.adamBeta1 >= 0 && s.adamBeta1 < 1, `${where}.adamBeta1`, 'must be in [0, 1)', s.adamBeta1)
  check(isNum(s.adamBeta2) && s.adamBeta2 >= 0 && s.adamBeta2 < 1, `${where}.adamBeta2`, 'must be in [0, 1)', s.adamBeta2)
  check(isNum(s.adamEps) && s.adamEps > 0, `${where}.adamEps`, 'must be positive', s.adamEps)
  check(isNum(s.weightDecay) && s.weightDecay >= 0, `${where}.weightDecay`, 'must be >= 0', s.weightDecay)
  check(typeof s.shuffle === 'boolean', `${where}.shuffle`, 'must be a boolean', s.shuffle)
  check(isInt(s.evalBatchTokens, 1), `${where}.evalBatchTokens`, 'must be a positive integer', s.evalBatchTokens)
  return s
}

export function targetMask(targets: LoraSettings['targetModules']): number {
  const list: readonly LoraTarget[] = targets === 'all-linear' ? LORA_TARGETS : targets
  let mask = 0
  for (const t of list) mask |= 1 << LORA_TARGETS.indexOf(t)
  return mask
}

/** Seeds are unsigned 64-bit; numbers must be safe non-negative integers. */
export function toSeed(seed: number | bigint | undefined, field = 'seed'): bigint {
  if (seed === undefined) return 0n
  if (typeof seed === 'bigint') {
    check(seed >= 0n && seed < 1n << 64n, field, 'must fit in 64 unsigned bits', String(seed))
    return seed
  }
  check(isInt(seed, 0), field, 'must be a non-negative safe integer or a bigint', seed)
  return BigInt(seed)
}
