/**
 * The eval loss validators would compute for a dataset: the same evaluateDataset(), the
 * same competition config, and the same seed (datasetEvaluationSeed of the content hash).
 */
import type { CompetitionConfig } from '../config/index.js'
import { DatasetError } from '../dataset/index.js'
import { datasetEvaluationSeed, evaluateDataset, type EvalResult, type EvaluateProgress } from '../evaluate/index.js'
import type { EvalLossDefinition } from '../train.js'
import { type CheckedDataset, readAndCheckDataset } from './dataset-file.js'

export interface PreviewOptions {
  datasetPath: string
  /** the file already read and checked (readAndCheckDataset), to skip reading it again */
  checked?: CheckedDataset
  /** a Hugging Face model folder (the base model) */
  modelDir: string
  /** the eval set, JSONL */
  evalPath: string
  config: CompetitionConfig
  /** instead of the seed validators derive from the content hash */
  seed?: bigint
  /** CPU threads (0 = all cores) */
  numThreads?: number
  onProgress?: (p: EvaluateProgress) => void
  signal?: AbortSignal
}

export interface PreviewResult {
  evalLoss: number
  evalLossDefinition: EvalLossDefinition
  /** what evalLoss means, in words */
  evalLossMeaning: string
  /** the base model's eval loss under the same definition (no training) */
  baselineLoss: number | null
  seed: string
  seedSource: 'content-hash' | 'option'
  datasetHash: string
  evalSetHash: string
  config: string
  device: string
  budget: EvalResult['budget']
  tokens: EvalResult['tokens']
  timings: EvalResult['timings']
  model: EvalResult['model']
}

const MEANINGS: Record<EvalLossDefinition, string> = {
  'example-mean': 'mean over eval examples of each example\'s mean cross-entropy on assistant tokens, after LoRA training on the dataset (lower is better)',
  'token-mean': 'cross-entropy summed over every assistant token of the eval set, divided by their number, after LoRA training on the dataset (lower is better)',
}

export async function previewDataset(options: PreviewOptions): Promise<PreviewResult> {
  const signal = options.signal ? { signal: options.signal } : {}
  // Validate first, so an invalid file gets every problem listed rather than a training error.
  const { report, bytes } = options.checked ?? (await readAndCheckDataset({ path: options.datasetPath, config: options.config, ...signal }))
  if (!report.ok || report.contentHash === null || bytes === null) throw new DatasetError(report.issues, report.issuesTruncated)
  const seed = options.seed ?? datasetEvaluationSeed(report.contentHash)
  const r = await evaluateDataset({
    model: options.modelDir,
    train: { jsonl: bytes },
    eval: { path: options.evalPath },
    config: options.config,
    seed,
    baseline: true,
    ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...signal,
  })
  const baseline = r.baseline ? (r.evalLossDefinition === 'example-mean' ? r.baseline.exampleMean : r.baseline.tokenMean) : null
  return {
    evalLoss: r.evalLoss,
    evalLossDefinition: r.evalLossDefinition,
    evalLossMeaning: MEANINGS[r.evalLossDefinition],
    baselineLoss: baseline,
    seed: seed.toString(),
    seedSource: options.seed === undefined ? 'content-hash' : 'option',
    datasetHash: r.datasetHash,
    evalSetHash: r.evalSetHash,
    config: r.settings.config,
    device: r.device,
    budget: r.budget,
    tokens: r.tokens,
    timings: r.timings,
    model: r.model,
  }
}
