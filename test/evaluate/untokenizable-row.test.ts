// A dataset with one row the model's chat template cannot handle: that row fails alone,
// with its line and the reason. By default evaluateDataset trains on the other rows and
// lists the row; as validators score (VALIDATOR_UNTOKENIZABLE_ROWS, 'fail') it rejects the
// dataset naming the line. An eval-set row that fails is left out and listed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { DatasetError, defaultCompetitionConfig, evaluateDataset, loadBaseModel, loadChatTokenizer, mergeCompetitionConfig, prepareEvalSet, VALIDATOR_UNTOKENIZABLE_ROWS } from '../../lib/index.js'
import { countingRows } from '../helpers/chat-data.js'
import { REFUSAL, refusedRow, writeRefusingTinyModel } from '../helpers/refusing-template.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-untokenizable-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const config = mergeCompetitionConfig(defaultCompetitionConfig, {
  lora: { r: 4, alpha: 8, dropout: 0 },
  training: { learningRate: 2e-3, warmupSteps: 1, microBatchSize: 2, gradAccumSteps: 1, epochs: 1, maxSeqLen: 96 },
  budget: { maxTrainRows: 24, optimizerSteps: 4 },
})
const rows = countingRows(12, 1)
rows[4] = refusedRow(rows[4]!)
const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n'
const evalRows = countingRows(8, 100)
const lineFive = new RegExp(`^line 5: cannot be tokenized \\(E_CHAT_TEMPLATE\\): the chat template failed: ${REFUSAL}$`)

t.before(() => writeRefusingTinyModel(dir))

t.test('the row fails alone: by default the other rows trained on and the row listed; as validators score, its line in the error', async (t) => {
  const model = await loadBaseModel(dir, { numThreads: 2 })
  t.teardown(() => model.dispose())
  const tokenizer = await loadChatTokenizer(dir)
  t.teardown(() => tokenizer.close())

  t.equal(VALIDATOR_UNTOKENIZABLE_ROWS, 'fail')
  const err = await evaluateDataset({ model, tokenizer, train: { jsonl }, eval: evalRows, config, seed: 1, untokenizableRows: VALIDATOR_UNTOKENIZABLE_ROWS }).catch((e: unknown) => e)
  t.ok(err instanceof DatasetError, 'as validators score: the dataset is refused')
  t.match((err as DatasetError).issues, [{ line: 5, field: null, code: 'E_TOKENIZE', message: lineFive }])
  t.equal((err as DatasetError).issues.length, 1, 'only that row')
  t.match((err as Error).message, /line 5: cannot be tokenized/)

  const r = await evaluateDataset({ model, tokenizer, train: { jsonl }, eval: evalRows, config, seed: 1 })
  t.comment(`skipped ${r.failedRows.train.map((i) => i.message).join('; ')}; trained on ${r.budget.sequences} of ${r.budget.rowsSampled} rows, eval loss ${r.evalLoss.toFixed(4)}`)
  t.match(r.failedRows.train, [{ line: 5, code: 'E_TOKENIZE', message: lineFive }])
  t.equal(r.tokens.trainFailed, 1)
  t.equal(r.budget.rowsSampled, 12)
  t.equal(r.budget.sequences, 11, 'the other 11 rows are trained on')
  t.equal(r.trainLoss.length, 4)
  t.ok(Number.isFinite(r.evalLoss))
  const clean = await evaluateDataset({ model, tokenizer, train: rows.filter((_, i) => i !== 4), eval: evalRows, config, seed: 1 })
  t.equal(clean.budget.sequences, 11)
  t.same(clean.failedRows, { train: [], eval: [] })
})

t.test('an eval-set row that fails is left out, with its line', async (t) => {
  const tokenizer = await loadChatTokenizer(dir)
  t.teardown(() => tokenizer.close())
  const withBad = [...evalRows]
  withBad[2] = refusedRow(withBad[2]!)
  const prepared = await prepareEvalSet(tokenizer, withBad, { maxSeqLen: 96 })
  t.match(prepared.failedRows, [{ line: 3, code: 'E_TOKENIZE', message: /^row 3: cannot be tokenized \(E_CHAT_TEMPLATE\)/ }])
  t.equal(prepared.tokenized.sequences.length, 7)
  t.same(prepared.tokenized.rowIndex, [0, 1, 3, 4, 5, 6, 7])
  await t.rejects(prepareEvalSet(tokenizer, withBad.map(refusedRow), { maxSeqLen: 96 }), { code: 'E_INVALID_ARGUMENT', message: /8 row\(s\) could not be tokenized; the first: row 1: cannot be tokenized/ })
})
