/**
 * `flock-bench dataset --reference`: the same rows through HF transformers + PEFT.
 * Both sides get the token sequences of one tokenization (ours, the model folder's
 * tokenizer): ours through evaluateDataset with every row kept and no shuffling, so
 * it trains on the first steps × accumulation × micro-batch sequences in file order;
 * the reference (bench/reference/peft_dataset.py) on exactly those, with the settings
 * evaluateDataset resolved. Equal train token counts on both sides confirm the rows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { CompetitionConfig } from '../config/index.js'
import { evaluateDataset, prepareEvalSet, type EvalResult } from '../evaluate/index.js'
import { packageRoot } from '../native/load-addon.js'
import { loadChatTokenizer } from '../tokenize/index.js'
import { runChild } from './compare.js'
import { lastJsonLine } from './result.js'

export interface SameRowsRun {
  ours: EvalResult
  reference: Record<string, unknown>
}

export function referenceDatasetScript(): string {
  return join(packageRoot(), 'bench', 'reference', 'peft_dataset.py')
}

export async function runSameRows(o: {
  python: string
  modelDir: string
  train: string
  eval: string
  config: CompetitionConfig
  threads: number
  seed: number
}): Promise<SameRowsRun> {
  const tokenizer = await loadChatTokenizer(o.modelDir)
  const maxSeqLen = o.config.training.maxSeqLen
  const trainSet = await prepareEvalSet(tokenizer, { path: o.train }, { maxSeqLen, config: o.config })
  const evalSet = await prepareEvalSet(tokenizer, { path: o.eval }, { maxSeqLen, config: o.config })
  const config: CompetitionConfig = { ...o.config, budget: { ...o.config.budget, maxTrainRows: Math.max(o.config.budget.maxTrainRows, trainSet.rows) } }
  const ours = await evaluateDataset({ model: o.modelDir, tokenizer, train: { path: o.train }, eval: evalSet, config, training: { shuffle: false }, numThreads: o.threads, seed: o.seed })
  const tr = ours.settings.training
  const lora = ours.settings.lora
  const used = ours.budget.optimizerSteps * tr.gradAccumSteps * tr.microBatchSize
  const seqs = trainSet.tokenized.sequences
  const toJson = (s: { tokens: Int32Array; lossMask: Uint8Array }) => ({ tokens: Array.from(s.tokens), mask: Array.from(s.lossMask) })
  const job = {
    seed: o.seed,
    lora: { r: lora.r, alpha: lora.alpha, dropout: lora.dropout, target_modules: lora.targetModules },
    training: {
      steps: ours.budget.optimizerSteps,
      grad_accum: tr.gradAccumSteps * tr.microBatchSize,
      lr: tr.learningRate,
      betas: [tr.adamBeta1, tr.adamBeta2],
      eps: tr.adamEps,
      weight_decay: tr.weightDecay,
      max_grad_norm: tr.maxGradNorm,
    },
    train: Array.from({ length: used }, (_, i) => toJson(seqs[i % seqs.length]!)),
    eval: evalSet.tokenized.sequences.map(toJson),
  }
  const dir = await mkdtemp(join(tmpdir(), 'flock-bench-dataset-'))
  try {
    const file = join(dir, 'sequences.json')
    await writeFile(file, JSON.stringify(job))
    const env = { ...process.env, OMP_NUM_THREADS: String(o.threads), MKL_NUM_THREADS: String(o.threads) }
    const { stdout } = await runChild([o.python, referenceDatasetScript(), '--model', o.modelDir, '--sequences', file, '--threads', String(o.threads)], env)
    return { ours, reference: lastJsonLine(stdout, 'the output of peft_dataset.py') as Record<string, unknown> }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
