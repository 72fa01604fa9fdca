/**
 * The eval loss validators compute for a dataset: the same evaluateDataset(), the same
 * competition config and eval set, and the same seed policy (lib/evaluate/seed.ts). Once
 * the hotkey's commitment of this content is on chain, its block hash gives the seed, and
 * the loss is exactly the validators'. Before that the seed is unknown, so the preview
 * evaluates a few hypothetical draws of it and reports their mean and range.
 */
import type { CompetitionConfig } from '../config/index.js'
import { DatasetError } from '../dataset/index.js'
import {
  evaluateDataset, evaluationSeed, hypotheticalEvaluationSeeds, prepareEvalSet, VALIDATOR_UNTOKENIZABLE_ROWS, type EvalResult, type EvaluateProgress,
} from '../evaluate/index.js'
import { loadBaseModel } from '../native/model.js'
import { loadChatTokenizer } from '../tokenize/index.js'
import type { EvalLossDefinition } from '../native/train.js'
import { type CheckedDataset, readAndCheckDataset } from './dataset-file.js'

/** Draws evaluated before committing, unless told otherwise (`--seeds K`). */
export const DEFAULT_PREVIEW_DRAWS = 3

/** Where the seeds come from. */
export type PreviewSeeds =
  /** the hotkey's commitment of this content, on chain: the validators' own seed */
  | { source: 'commitment'; block: number; blockHash: string; commitment: string }
  /** not committed yet: `count` hypothetical block hashes */
  | { source: 'draws'; count: number }
  /** a seed given by the user */
  | { source: 'option'; seed: bigint }

export interface PreviewOptions {
  datasetPath: string
  /** the file already read and checked (readAndCheckDataset), to skip reading it again */
  checked?: CheckedDataset
  /** a Hugging Face model folder (the base model) */
  modelDir: string
  /** the eval set, JSONL */
  evalPath: string
  config: CompetitionConfig
  seeds: PreviewSeeds
  /** CPU threads (0 = all cores) */
  numThreads?: number
  onProgress?: (p: EvaluateProgress & { run: number; runs: number }) => void
  signal?: AbortSignal
}

export interface PreviewRun {
  seed: string
  evalLoss: number
}

export interface PreviewResult {
  /** the validators' loss (seeds from the commitment), else the mean over the runs */
  evalLoss: number
  evalLossDefinition: EvalLossDefinition
  /** what evalLoss means, in words */
  evalLossMeaning: string
  /** one per seed evaluated */
  runs: PreviewRun[]
  min: number
  max: number
  seedSource: PreviewSeeds['source']
  /** with seedSource 'commitment': the commitment and its block */
  commitment: { block: number; blockHash: string; text: string } | null
  /** the base model's eval loss under the same definition (no training) */
  baselineLoss: number | null
  datasetHash: string
  evalSetHash: string
  config: string
  device: string
  budget: EvalResult['budget']
  tokens: EvalResult['tokens']
  /** of the first run */
  timings: EvalResult['timings']
  model: EvalResult['model']
}

const MEANINGS: Record<EvalLossDefinition, string> = {
  'example-mean': 'mean over eval examples of each example\'s mean cross-entropy on assistant tokens, after LoRA training on the dataset (lower is better)',
  'token-mean': 'cross-entropy summed over every assistant token of the eval set, divided by their number, after LoRA training on the dataset (lower is better)',
}

function seedsOf(s: PreviewSeeds): bigint[] {
  if (s.source === 'commitment') return [evaluationSeed(s.blockHash)]
  if (s.source === 'option') return [s.seed]
  return hypotheticalEvaluationSeeds(s.count)
}

export async function previewDataset(options: PreviewOptions): Promise<PreviewResult> {
  const signal = options.signal ? { signal: options.signal } : {}
  // Validate first, so an invalid file gets every problem listed rather than a training error.
  const { report, bytes } = options.checked ?? (await readAndCheckDataset({ path: options.datasetPath, config: options.config, ...signal }))
  if (!report.ok || report.contentHash === null || bytes === null) throw new DatasetError(report.issues, report.issuesTruncated)
  const seeds = seedsOf(options.seeds)
  // one model and one tokenized eval set for every run, as a validator keeps them
  const model = await loadBaseModel(options.modelDir, { numThreads: options.numThreads ?? 0 })
  try {
    const tokenizer = await loadChatTokenizer(options.modelDir)
    const evalSet = await prepareEvalSet(tokenizer, { path: options.evalPath }, { maxSeqLen: options.config.training.maxSeqLen, config: options.config, ...signal })
    const results: EvalResult[] = []
    for (const [i, seed] of seeds.entries()) {
      results.push(await evaluateDataset({
        model, tokenizer, train: { jsonl: bytes }, eval: evalSet, config: options.config, seed, baseline: i === 0,
        untokenizableRows: VALIDATOR_UNTOKENIZABLE_ROWS,
        ...(options.onProgress ? { onProgress: (p: EvaluateProgress) => options.onProgress!({ ...p, run: i + 1, runs: seeds.length }) } : {}),
        ...signal,
      }))
    }
    const first = results[0]!
    const losses = results.map((r) => r.evalLoss)
    const baseline = first.baseline ? (first.evalLossDefinition === 'example-mean' ? first.baseline.exampleMean : first.baseline.tokenMean) : null
    const s = options.seeds
    return {
      evalLoss: losses.reduce((a, b) => a + b, 0) / losses.length,
      evalLossDefinition: first.evalLossDefinition,
      evalLossMeaning: MEANINGS[first.evalLossDefinition],
      runs: results.map((r, i) => ({ seed: seeds[i]!.toString(), evalLoss: r.evalLoss })),
      min: Math.min(...losses),
      max: Math.max(...losses),
      seedSource: s.source,
      commitment: s.source === 'commitment' ? { block: s.block, blockHash: s.blockHash, text: s.commitment } : null,
      baselineLoss: baseline,
      datasetHash: first.datasetHash,
      evalSetHash: first.evalSetHash,
      config: first.settings.config,
      device: first.device,
      budget: first.budget,
      tokens: first.tokens,
      timings: first.timings,
      model: first.model,
    }
  } finally {
    model.dispose()
  }
}
