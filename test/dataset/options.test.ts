// Bad options are caller errors (thrown), not dataset issues; cancellation stops reading.
import t from 'tap'

import { CancelledError, InvalidArgumentError, readDataset, validateDataset } from '../../lib/index.js'
import { GOOD, jsonl, line } from '../helpers/dataset-rows.js'

const text = jsonl(line(GOOD), line(GOOD))

t.test('bad limits and options name the option', async (t) => {
  await t.rejects(validateDataset({ jsonl: text }, { limits: { maxRows: 0 } }), { name: 'InvalidArgumentError', message: /limits: maxRows: Too small/ })
  await t.rejects(validateDataset({ jsonl: text }, { limits: { minRows: 5, maxRows: 2 } }), { message: /limits: minRows: must not exceed maxRows/ })
  await t.rejects(validateDataset({ jsonl: text }, { maxIssues: 0 }), { message: /maxIssues: expected a positive integer/ })
  await t.rejects(readDataset({ jsonl: text }, { sample: { maxRows: 0, seed: 1 } }), { message: /sample\.maxRows: expected a positive integer/ })
  await t.rejects(readDataset({ jsonl: text }, { sample: { maxRows: 1, seed: -1 } }), InvalidArgumentError)
  await t.rejects(validateDataset({ nope: 1 } as never), { message: /dataset source: expected/ })
})

t.test('an aborted signal cancels reading', async (t) => {
  const ac = new AbortController()
  ac.abort()
  await t.rejects(readDataset({ jsonl: text }, { signal: ac.signal }), CancelledError)
})
