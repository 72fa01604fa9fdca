/**
 * `flock-bench dataset`: one whole evaluateDataset() run on a model folder and
 * a chat dataset (by default the reference dataset shipped in bench/data/),
 * timed with its breakdown: load, read, tokenize, train, eval.
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'

import { defaultCompetitionConfig, type CompetitionConfig } from '../config/index.js'
import { InvalidArgumentError } from '../errors.js'
import { evaluateDataset, type EvalResult } from '../evaluate/index.js'
import { loadAddon, packageRoot } from '../native/load-addon.js'
import { runSameRows } from './dataset-reference.js'
import { machineInfo } from './machine.js'
import { ensureShapeModel } from './model-cache.js'
import { checkDevice } from '../native/device.js'
import { benchShape } from './shapes.js'

export function referenceDatasetPaths(root = packageRoot()): { train: string; eval: string } {
  return { train: join(root, 'bench', 'data', 'reference-train.jsonl'), eval: join(root, 'bench', 'data', 'reference-eval.jsonl') }
}

export interface DatasetBenchOptions {
  /** a model folder with a tokenizer, or else `shape` */
  model?: string | undefined
  /** a bench shape that ships a tokenizer (tiny) */
  shape?: string | undefined
  train?: string | undefined
  eval?: string | undefined
  device: string
  threads: number
  seed: number
  /** optimizer steps instead of the competition's budget */
  steps?: number | undefined
  /** a Python with torch, transformers and peft: run the same rows through HF + PEFT too (lib/bench/dataset-reference.ts) */
  referencePython?: string | undefined
  cacheRoot?: string
  onProgress?: (message: string) => void
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10
const round3 = (s: number) => Math.round(s * 1000) / 1000

export async function runDatasetBench(o: DatasetBenchOptions): Promise<Record<string, unknown>> {
  const device = checkDevice(o.device, '--device')
  if ((o.model === undefined) === (o.shape === undefined)) throw new InvalidArgumentError('dataset: give --model DIR or --shape tiny (one of them)')
  let modelDir = o.model
  if (o.shape !== undefined) {
    const shape = benchShape(o.shape)
    if (!shape.tinyTokenizer) throw new InvalidArgumentError(`dataset: shape ${shape.name} has random weights and no tokenizer; pass --model DIR (a real model folder) or --shape tiny`)
    modelDir = (await ensureShapeModel(shape, { ...(o.cacheRoot ? { root: o.cacheRoot } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) })).dir
  }
  const defaults = referenceDatasetPaths()
  const train = o.train ?? defaults.train
  const evalPath = o.eval ?? defaults.eval
  let config: CompetitionConfig = defaultCompetitionConfig
  if (o.steps !== undefined) {
    if (!Number.isInteger(o.steps) || o.steps < 1) throw new InvalidArgumentError(`--steps: expected a positive integer, got ${o.steps}`)
    config = { ...defaultCompetitionConfig, budget: { ...defaultCompetitionConfig.budget, optimizerSteps: o.steps } }
  }
  const threads = o.threads === 0 ? availableParallelism() : o.threads
  const configName = `${config.name}${o.steps !== undefined ? ` with ${o.steps} optimizer steps` : ''}`
  if (o.referencePython !== undefined) {
    const same = await runSameRows({ python: o.referencePython, modelDir: modelDir!, train, eval: evalPath, config, threads, seed: o.seed })
    const ours = datasetFields(same.ours, { device, train, evalPath, threads, seed: o.seed, config: `${configName}, every row kept, not shuffled` })
    const ref = same.reference
    const num = (v: unknown) => (typeof v === 'number' ? v : NaN)
    return {
      ...ours,
      reference: ref,
      same_train_tokens: ours.train_tokens === ref.train_tokens,
      train_speed_ratio: num(ours.train_tokens_per_s) / num(ref.train_tokens_per_s),
      eval_speed_ratio: num(ours.eval_tokens_per_s) / num(ref.eval_tokens_per_s),
    }
  }
  const r = await evaluateDataset({ model: modelDir!, train: { path: train }, eval: { path: evalPath }, config, numThreads: o.threads, seed: o.seed })
  return datasetFields(r, { device, train, evalPath, threads, seed: o.seed, config: configName })
}

function datasetFields(
  r: EvalResult,
  o: { device: string; train: string; evalPath: string; threads: number; seed: number; config: string },
): Record<string, unknown> & { train_tokens: number; train_tokens_per_s: number; eval_tokens_per_s: number | null } {
  const t = r.timings
  return {
    kind: 'dataset',
    impl: 'flock',
    device: o.device,
    model: r.model,
    train: o.train,
    eval: o.evalPath,
    threads: o.threads,
    seed: o.seed,
    seconds: round3(t.totalSeconds),
    breakdown_seconds: { load: round3(t.loadSeconds), read: round3(t.readSeconds), tokenize: round3(t.tokenizeSeconds), train: round3(t.trainSeconds), eval: round3(t.evalSeconds) },
    train_tokens: r.tokens.trainTokens,
    train_tokens_per_s: r.tokensPerSecond,
    eval_tokens: r.tokens.evalTokens,
    eval_tokens_per_s: t.evalSeconds > 0 ? r.tokens.evalTokens / t.evalSeconds : null,
    optimizer_steps: r.budget.optimizerSteps,
    budget: r.budget,
    eval_loss: r.evalLoss,
    eval_loss_definition: r.evalLossDefinition,
    peak_rss_mb: mib(process.resourceUsage().maxRSS * 1024),
    peak_workspace_mb: mib(r.peakWorkspaceBytes),
    config: o.config,
    lora: r.settings.lora,
    build: loadAddon().buildInfo,
    machine: machineInfo(),
  }
}
