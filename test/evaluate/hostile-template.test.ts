// evaluateDataset with a chat template whose rendering never ends: the AbortSignal stops
// it during tokenization (before, tokenizing ran on the event loop: a 2 s abort returned
// after 12-22 s and a 100 ms timer never fired), and under the step bound each such row
// fails alone in bounded time instead.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { CancelledError, CHATML_TEMPLATE, DatasetError, evaluateDataset, loadBaseModel, loadChatTokenizer, VALIDATOR_UNTOKENIZABLE_ROWS, writeTinyModel } from '../../lib/index.js'
import { countingRows } from '../helpers/chat-data.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-evaluate-hostile-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const NESTED = "{% if 'LOOP' in messages[-1]['content'] %}{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{% endif %}"
const rows = countingRows(10, 1)
rows[3] = { ...rows[3]!, conversations: [rows[3]!.conversations[0]!, { role: 'assistant', content: 'LOOP' }] }
const evalRows = countingRows(6, 100)

t.before(() => writeTinyModel(dir, { arch: 'qwen2', seed: 1 }))

t.test('the signal stops tokenization of a row that never ends', async (t) => {
  const model = await loadBaseModel(dir, { numThreads: 1 })
  t.teardown(() => model.dispose())
  const tokenizer = await loadChatTokenizer(dir, { chatTemplate: NESTED + CHATML_TEMPLATE, templateLimits: { maxSteps: Number.MAX_SAFE_INTEGER } })
  t.teardown(() => tokenizer.close())
  await tokenizer.tokenizeRows(evalRows) // a warm worker: the abort lands while it renders the looping row
  const controller = new AbortController()
  let phase = ''
  let fired = false
  // the timer can fire only if tokenizing leaves the event loop free
  setTimeout(() => {
    fired = true
    controller.abort()
  }, 100)
  const err = await evaluateDataset({ model, tokenizer, train: rows, eval: evalRows, signal: controller.signal, onProgress: (p) => (phase = p.phase) }).catch((e: unknown) => e)
  t.ok(fired, 'the 100 ms timer fired')
  t.equal(phase, 'tokenize', 'aborted while tokenizing')
  t.ok(err instanceof CancelledError, `rejects with CancelledError (${String(err)})`)
})

t.test('under the step bound the row fails alone, naming its line', async (t) => {
  const model = await loadBaseModel(dir, { numThreads: 1 })
  t.teardown(() => model.dispose())
  // a tenth of the default bound, to keep the test short (the default is tested in test/tokenize/hostile-template.test.ts)
  const tokenizer = await loadChatTokenizer(dir, { chatTemplate: NESTED + CHATML_TEMPLATE, templateLimits: { maxSteps: 100_000 } })
  t.teardown(() => tokenizer.close())
  const bounded = /^row 4: cannot be tokenized \(E_TEMPLATE_LIMIT\): the chat template took more than 100000 evaluation steps/
  const err = await evaluateDataset({ model, tokenizer, train: rows, eval: evalRows, untokenizableRows: VALIDATOR_UNTOKENIZABLE_ROWS }).catch((e: unknown) => e)
  t.ok(err instanceof DatasetError, 'as validators score: the dataset is refused')
  t.match((err as DatasetError).issues, [{ line: 4, code: 'E_TOKENIZE', message: bounded }])
  const r = await evaluateDataset({ model, tokenizer, train: rows, eval: evalRows })
  t.match(r.failedRows.train, [{ line: 4, code: 'E_TOKENIZE', message: bounded }], 'by default the other rows are trained on and the row listed')
})
