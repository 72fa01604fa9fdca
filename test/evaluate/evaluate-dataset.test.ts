// evaluateDataset: the budget is fixed whatever the dataset's size, results are
// deterministic for a seed, inputs in every form, clear errors, cancellation.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import {
  CancelledError,
  DatasetError,
  defaultCompetitionConfig,
  evaluateDataset,
  InvalidArgumentError,
  loadBaseModel,
  loadChatTokenizer,
  mergeCompetitionConfig,
  prepareEvalSet,
  writeTinyModel,
} from '../../lib/index.js'
import { countingRows } from '../helpers/chat-data.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-evaluate-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const config = mergeCompetitionConfig(defaultCompetitionConfig, {
  lora: { r: 4, alpha: 8, dropout: 0.1 },
  training: { learningRate: 2e-3, warmupSteps: 1, microBatchSize: 2, gradAccumSteps: 2, epochs: 2, maxSeqLen: 96 },
  budget: { maxTrainRows: 24, optimizerSteps: 6 },
})
const evalRows = countingRows(10, 100)

t.before(async () => {
  await writeTinyModel(dir, { arch: 'qwen2', seed: 1 })
})

t.test('a fixed step budget whatever the size; repeats reported; cap on rows', async (t) => {
  const model = await loadBaseModel(dir)
  t.teardown(() => model.dispose())
  const big = await evaluateDataset({ model, train: countingRows(500, 1), eval: evalRows, config, seed: 1 })
  const small = await evaluateDataset({ model, train: countingRows(6, 2), eval: evalRows, config, seed: 1 })
  t.equal(big.budget.optimizerSteps, 6)
  t.equal(big.trainLoss.length, 6, 'a large dataset gets the budget, no more')
  t.equal(small.trainLoss.length, 6, 'a tiny dataset gets the same number of steps')
  t.match(big.budget, { rowsAvailable: 500, rowsSampled: 24, maxTrainRows: 24, sequences: 24, limitedBy: 'optimizerSteps', repeated: false })
  t.equal(big.budget.epochs, 1, '6 steps × 4 sequences = one pass over 24 rows')
  t.match(small.budget, { rowsAvailable: 6, rowsSampled: 6, repeated: true })
  t.equal(small.budget.epochs, 4, 'and the repetition is visible: 4 passes over 6 rows')
  t.equal(big.evalLossDefinition, 'example-mean')
  t.equal(big.evalLoss, big.eval.exampleMean)
  t.equal(big.device, 'cpu')
  t.match(big.settings, { maxSeqLen: 96, config: 'flock-default', seed: 1n, lora: { r: 4, targetModules: config.lora.targetModules } })
  t.match(big.timings, { loadSeconds: Number, readSeconds: Number, tokenizeSeconds: Number, trainSeconds: Number, evalSeconds: Number })
  t.equal(big.tokens.evalSequences, 10)
  t.match(big.datasetHash, /^[0-9a-f]{64}$/)
})

t.test('a token budget turns into a step count from the data', async (t) => {
  const model = await loadBaseModel(dir)
  t.teardown(() => model.dispose())
  const byTokens = mergeCompetitionConfig(config, { budget: { maxTrainRows: 24, trainTokens: 2000, optimizerSteps: undefined } })
  const r = await evaluateDataset({ model, train: countingRows(24, 3), eval: evalRows, config: byTokens, seed: 1 })
  t.equal(r.budget.limitedBy, 'trainTokens')
  t.equal(r.trainLoss.length, r.budget.optimizerSteps)
  const trained = r.tokens.trainTokens
  const perStep = trained / r.budget.optimizerSteps
  t.ok(Math.abs(trained - 2000) <= perStep, `${trained} tokens trained for a budget of 2000 (${perStep.toFixed(0)} per step)`)
})

t.test('deterministic for a seed; the seed picks the sample and the run', async (t) => {
  const model = await loadBaseModel(dir)
  t.teardown(() => model.dispose())
  const rows = countingRows(60, 4)
  const a = await evaluateDataset({ model, train: rows, eval: evalRows, config, seed: 5 })
  const b = await evaluateDataset({ model, train: rows, eval: evalRows, config, seed: 5 })
  const c = await evaluateDataset({ model, train: rows, eval: evalRows, config, seed: 6 })
  t.equal(a.evalLoss, b.evalLoss)
  t.same(a.trainLoss, b.trainLoss)
  t.not(a.evalLoss, c.evalLoss)
  t.equal(a.datasetHash, c.datasetHash, 'the dataset hash covers all rows, not the sample')
  // JSONL text, a file path, a prepared eval set and a model folder give the same result
  const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n'
  const file = join(dir, 'train.jsonl')
  writeFileSync(file, jsonl)
  const tokenizer = await loadChatTokenizer(dir)
  const prepared = await prepareEvalSet(tokenizer, evalRows, { maxSeqLen: 96 })
  const d = await evaluateDataset({ model, tokenizer, train: { jsonl }, eval: prepared, config, seed: 5 })
  const e = await evaluateDataset({ model: dir, train: { path: file }, eval: { rows: evalRows }, config, seed: 5, numThreads: 1 })
  t.equal(d.evalLoss, a.evalLoss)
  t.equal(e.evalLoss, a.evalLoss)
  t.equal(e.evalSetHash, a.evalSetHash)
})

t.test('baseline, adapter output and progress', async (t) => {
  const model = await loadBaseModel(dir)
  t.teardown(() => model.dispose())
  const phases = new Set<string>()
  const out = join(dir, 'adapter')
  const r = await evaluateDataset({
    model, train: countingRows(24, 8), eval: evalRows, config, seed: 2, baseline: true, saveAdapterDir: out,
    onProgress: (p) => phases.add(p.phase),
  })
  const base = await model.computeLoss((await prepareEvalSet(await loadChatTokenizer(dir), evalRows, { maxSeqLen: 96 })).tokenized.sequences)
  t.ok(Math.abs(r.baseline!.tokenMean - base.meanLoss) < 1e-6, 'the baseline is the base model')
  t.same([...phases], ['load', 'read', 'tokenize', 'train', 'eval'])
  t.ok(r.evalLoss < r.baseline!.exampleMean)
})

t.test('bad options and bad datasets are clear errors', async (t) => {
  const model = await loadBaseModel(dir)
  t.teardown(() => model.dispose())
  const ok = { model, train: countingRows(8, 9), eval: evalRows, config }
  await t.rejects(evaluateDataset({ ...ok, trian: [] } as never), { name: 'InvalidArgumentError', message: /unknown option 'trian'/ })
  await t.rejects(evaluateDataset({ ...ok, train: 'rows.jsonl' as never }), /train: .*a bare string is ambiguous/)
  await t.rejects(evaluateDataset({ ...ok, device: 'cuda' as never }), InvalidArgumentError)
  await t.rejects(evaluateDataset({ ...ok, lora: { r: -1 } }), /lora\.r/)
  await t.rejects(evaluateDataset({ ...ok, config: { ...config, version: 2 } as never }), /version/)
  const bad = [
    JSON.stringify(countingRows(1, 1)[0]),
    '{"conversations": [{"role": "assistant", "content": "hi"}]}',
    'not json',
  ].join('\n')
  const err = await evaluateDataset({ ...ok, train: { jsonl: bad } }).catch((e: unknown) => e)
  t.ok(err instanceof DatasetError)
  t.match((err as Error).message, /line 2/)
  t.match((err as Error).message, /line 3/)
  const otherTok = await prepareEvalSet(await loadChatTokenizer(dir), evalRows, { maxSeqLen: 50 })
  await t.rejects(evaluateDataset({ ...ok, eval: otherTok }), /another tokenizer|maxSeqLen/)
})

t.test('cancellation', async (t) => {
  const model = await loadBaseModel(dir)
  t.teardown(() => model.dispose())
  const ac = new AbortController()
  const long = mergeCompetitionConfig(config, { budget: { maxTrainRows: 24, optimizerSteps: 100_000 } })
  const run = evaluateDataset({
    model, train: countingRows(24, 10), eval: evalRows, config: long, signal: ac.signal,
    onProgress: (p) => {
      if (p.phase === 'train' && p.step === 2) ac.abort()
    },
  })
  await t.rejects(run, CancelledError)
  await t.rejects(evaluateDataset({ model, train: countingRows(8, 1), eval: evalRows, config, signal: AbortSignal.abort() }), CancelledError)
  const after = await evaluateDataset({ model, train: countingRows(8, 1), eval: evalRows, config, seed: 3 })
  t.ok(Number.isFinite(after.evalLoss), 'the model is usable after a cancelled run')
})
