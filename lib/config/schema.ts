/**
 * The competition config: everything validators must agree on to produce the
 * same ranking. Versioned JSON; the zod schema below is the single source of
 * the TypeScript types and of the JSON Schema (competitionConfigJsonSchema()).
 */
import { z } from 'zod'

export const LORA_TARGET_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const

const posInt = z.int().positive()
const nonNegInt = z.int().nonnegative()
const unitInterval = z.number().min(0).lt(1)
const commitSha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character lowercase hex commit sha')
const repoId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a Hugging Face repo id "owner/name"')
  .refine((s) => !s.includes('..'), 'must not contain ".."')
const repoFile = z
  .string()
  .min(1)
  .refine((s) => !s.startsWith('/') && !s.split('/').some((p) => p === '' || p === '.' || p === '..'), 'must be a relative path inside the repo')

export const baseModelSchema = z.strictObject({ repo: repoId, revision: commitSha })

export const evalSetSchema = z.strictObject({ repo: repoId, revision: commitSha, file: repoFile })

export const loraSchema = z.strictObject({
  r: posInt,
  alpha: z.number().positive(),
  dropout: unitInterval,
  targetModules: z
    .array(z.enum(LORA_TARGET_MODULES))
    .min(1)
    .refine((a) => new Set(a).size === a.length, 'must not list a module twice'),
  /** scale alpha / sqrt(r) instead of alpha / r (PEFT use_rslora) */
  useRslora: z.boolean(),
})

export const trainingSchema = z.strictObject({
  learningRate: z.number().positive(),
  warmupSteps: nonNegInt,
  microBatchSize: posInt,
  gradAccumSteps: posInt,
  epochs: posInt,
  maxSeqLen: z.int().min(2),
  lrSchedule: z.enum(['linear', 'cosine', 'constant']),
  adamBeta1: unitInterval,
  adamBeta2: unitInterval,
  adamEps: z.number().positive(),
  weightDecay: z.number().nonnegative(),
  /** 0 disables clipping */
  maxGradNorm: z.number().nonnegative(),
  /** How rows become text: the model's chat template (the default) or the live FLock validator's stripped ChatML */
  chatFormat: z.enum(['template', 'stripped-chatml']).optional(),
})

/**
 * What one evaluation may train on: at most maxTrainRows rows (sampled with the run's
 * seed, or the file's first ones with rowSelection "first"), then exactly one of a fixed
 * number of optimizer steps, a fixed number of training tokens, or (stepsFromEpochs, as
 * HF Trainer counts them) training.epochs passes over the rows kept.
 */
export const budgetSchema = z
  .strictObject({
    maxTrainRows: posInt,
    optimizerSteps: posInt.optional(),
    trainTokens: posInt.optional(),
    stepsFromEpochs: z.literal(true).optional(),
    /** which rows a dataset larger than maxTrainRows trains on; default "sample" */
    rowSelection: z.enum(['sample', 'first']).optional(),
  })
  .superRefine((b, ctx) => {
    const n = Number(b.optimizerSteps !== undefined) + Number(b.trainTokens !== undefined) + Number(b.stepsFromEpochs !== undefined)
    if (n !== 1) ctx.addIssue({ code: 'custom', path: ['optimizerSteps'], message: 'set exactly one of optimizerSteps, trainTokens and stepsFromEpochs' })
  })

export const datasetLimitsSchema = z
  .strictObject({
    /** size of the JSONL file */
    maxBytes: posInt,
    /** longest line (one row), in bytes */
    maxLineBytes: posInt,
    minRows: posInt,
    maxRows: posInt,
    /** entries in one row's `conversations` (a user or an assistant message each) */
    maxTurns: z.int().min(2),
    /** Unicode code points in one message's content (the system prompt included) */
    maxCharsPerMessage: posInt,
    /** JSON nesting; a valid row needs 3 (row object, conversations array, message object) */
    maxDepth: z.int().min(3),
  })
  .superRefine((d, ctx) => {
    if (d.minRows > d.maxRows) ctx.addIssue({ code: 'custom', path: ['minRows'], message: `must not exceed maxRows (${d.maxRows})` })
    if (d.maxLineBytes > d.maxBytes) ctx.addIssue({ code: 'custom', path: ['maxLineBytes'], message: `must not exceed maxBytes (${d.maxBytes})` })
  })

export const benchmarkCurveSchema = z
  .strictObject({
    /** the benchmark loss the piecewise power curve is centred on */
    loss: z.number().positive(),
    /** loss at or below this scores 1 */
    minLoss: z.number().nonnegative(),
    /** loss at or above this scores 0 */
    maxLoss: z.number().positive(),
    power: z.number().positive(),
    /** the score at the benchmark loss (the live subnet's bench_height); default 0.5 */
    height: z.number().gt(0).lt(1).optional(),
  })
  .superRefine((b, ctx) => {
    if (!(b.minLoss < b.loss && b.loss < b.maxLoss))
      ctx.addIssue({ code: 'custom', path: ['loss'], message: 'must satisfy minLoss < loss < maxLoss' })
  })

/** Scoring is plain data here; lib/scoring interprets it (see shared/reference/scoring.md). */
export const scoringSchema = z
  .strictObject({
    scheme: z.enum(['winrate', 'benchmark', 'winner-take-all', 'winner-take-all-rank']),
    /** advantage of the earlier commitment, decaying linearly with its age */
    epsilonStart: unitInterval,
    epsilonEnd: unitInterval,
    epsilonDecayBlocks: posInt,
    /** softmax temperature over win rates */
    temperature: z.number().positive(),
    /** W <- alpha * w + (1 - alpha) * W across steps */
    smoothingAlpha: z.number().gt(0).max(1),
    /**
     * winner-take-all: the earliest commitment among those within this fraction of the best loss;
     * winner-take-all-rank: among the max(floor(hotkeys × this), 1) lowest losses
     */
    winnerTakeAllFraction: z.number().gt(0).max(1),
    /** required when scheme is "benchmark" */
    benchmark: benchmarkCurveSchema.nullable(),
  })
  .superRefine((s, ctx) => {
    if (s.epsilonEnd > s.epsilonStart) ctx.addIssue({ code: 'custom', path: ['epsilonEnd'], message: `must not exceed epsilonStart (${s.epsilonStart})` })
    if (s.scheme === 'benchmark' && s.benchmark === null)
      ctx.addIssue({ code: 'custom', path: ['benchmark'], message: 'is required when scheme is "benchmark"' })
  })

export const competitionConfigSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1, the only config version this package reads' }),
  name: z.string().min(1),
  baseModel: baseModelSchema,
  /** null: the eval rows are supplied by the caller (local runs, previews) */
  evalSet: evalSetSchema.nullable(),
  lora: loraSchema,
  training: trainingSchema,
  budget: budgetSchema,
  dataset: datasetLimitsSchema,
  scoring: scoringSchema,
})

export type CompetitionConfig = z.infer<typeof competitionConfigSchema>
export type BaseModelRef = z.infer<typeof baseModelSchema>
export type EvalSetRef = z.infer<typeof evalSetSchema>
export type CompetitionLora = z.infer<typeof loraSchema>
export type CompetitionTraining = z.infer<typeof trainingSchema>
export type TrainingBudget = z.infer<typeof budgetSchema>
export type DatasetLimits = z.infer<typeof datasetLimitsSchema>
export type ScoringSettings = z.infer<typeof scoringSchema>
export type BenchmarkCurve = z.infer<typeof benchmarkCurveSchema>
export type LoraTargetModule = (typeof LORA_TARGET_MODULES)[number]
