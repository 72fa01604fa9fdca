// A dataset with one row the model's chat template refuses: `validate --model` lists that
// row with its line (and only it), and `preview` refuses the dataset naming the line, as
// validators do; the same file without the row is valid and previews.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { defaultCompetitionConfig, mergeCompetitionConfig } from '../../lib/index.js'
import { countingRows } from '../helpers/chat-data.js'
import { jsonl, runCli } from '../helpers/miner-cli.js'
import { REFUSAL, refusedRow, writeRefusingTinyModel } from '../helpers/refusing-template.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-miner-untokenizable-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const modelDir = join(dir, 'model')
const configPath = join(dir, 'competition.json')
writeFileSync(configPath, JSON.stringify(mergeCompetitionConfig(defaultCompetitionConfig, {
  lora: { r: 4, alpha: 8, dropout: 0 },
  training: { learningRate: 2e-3, warmupSteps: 1, microBatchSize: 2, gradAccumSteps: 1, epochs: 1, maxSeqLen: 96 },
  budget: { maxTrainRows: 24, optimizerSteps: 2 },
})))
const rows = countingRows(12, 1)
const badPath = join(dir, 'bad.jsonl')
writeFileSync(badPath, jsonl(rows.map((r, i) => (i === 4 ? refusedRow(r) : r))))
const goodPath = join(dir, 'good.jsonl')
writeFileSync(goodPath, jsonl(rows))
const evalPath = join(dir, 'eval.jsonl')
writeFileSync(evalPath, jsonl(countingRows(6, 100)))

t.before(() => writeRefusingTinyModel(modelDir))

t.test('validate --model: the row with its line and the reason, the others fine', async (t) => {
  const r = await runCli(['validate', '--dataset_path', badPath, '--config', configPath, '--model', modelDir])
  t.equal(r.code, 1)
  t.equal(r.stdout, [
    `${badPath}: INVALID — 1 problem(s)`,
    `  line 5: cannot be tokenized (E_CHAT_TEMPLATE): the chat template failed: ${REFUSAL}  [E_TOKENIZE]`,
    `  every row tokenized with ${modelDir}: 11 of 12 ok`,
  ].join('\n') + '\n')
  const j = JSON.parse((await runCli(['validate', '--dataset_path', badPath, '--config', configPath, '--model', modelDir, '--json'])).stdout)
  t.match(j, { ok: false, contentHash: null, issues: [{ line: 5, field: null, code: 'E_TOKENIZE' }], tokenized: { tokenizer: modelDir, rows: 12, failed: 1, noTargets: 0, maxSeqLen: 96 } })
  const good = await runCli(['validate', '--dataset_path', goodPath, '--config', configPath, '--model', modelDir])
  t.equal(good.code, 0, good.stdout)
  t.match(good.stdout, new RegExp(`valid — 12 rows[^\\n]*\\n  every row tokenized with ${modelDir}: 12 of 12 ok\\n$`))
  const schemaOnly = await runCli(['validate', '--dataset_path', badPath, '--config', configPath])
  t.equal(schemaOnly.code, 0, 'without a model, the schema and limits only')
})

t.test('preview: refused as validators refuse it, naming the line', async (t) => {
  const base = ['preview', '--model', modelDir, '--eval_path', evalPath, '--config', configPath, '--threads', '1']
  const r = await runCli([...base, '--dataset_path', badPath])
  t.equal(r.code, 1)
  t.match(r.stderr, /flock-miner: invalid dataset: 1 problem\(s\)\n  line 5: cannot be tokenized \(E_CHAT_TEMPLATE\): the chat template failed: the template refuses this row  \[E_TOKENIZE\]/)
  t.equal(r.stdout, '')
  const ok = await runCli([...base, '--dataset_path', goodPath, '--json'])
  t.equal(ok.code, 0, ok.stderr)
  t.match(JSON.parse(ok.stdout), { budget: { sequences: 12 }, tokens: { trainFailed: 0, evalFailed: 0 } })
})
