// A miner whose dataset has one row the base model's chat template refuses is recorded
// invalid-dataset with that row's line; the other miners' rounds go on (the good miner is
// scored), in process and through an evaluator worker alike. One whose rows make the
// template loop is stopped by the evaluation time budget, during tokenization, and
// recorded as a timeout (before, tokenizing held the event loop and it ended as
// training-failed, long after the budget).
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'

import { countingRows, toJsonl } from '../../lib/local-subnet/index.js'
import type { Reporter, RoundSummary } from '../../lib/validator/reporter.js'
import { localSubnet, type LocalSubnet } from '../helpers/local-subnet.js'
import { makeTemplateRefuse, REFUSAL, refusedRow } from '../helpers/refusing-template.js'

async function firstRound(s: LocalSubnet, modelDir: string, over: { devices?: string[]; evalTimeoutMs?: number; maxAttempts?: number }): Promise<RoundSummary> {
  let summary: RoundSummary | undefined
  let roundDone: () => void = () => {}
  const done = new Promise<void>((resolve) => (roundDone = resolve))
  const reporter: Reporter = {
    roundStart() {}, minerStart() {}, minerProgress() {}, minerResult() {}, close() {},
    roundEnd(r) {
      summary ??= r
      roundDone()
    },
  }
  const v = await s.assemble({
    reporter, blocksPerEpoch: 20, pollMs: 20, marginBlocks: 0, numThreads: over.devices?.length ?? 1, ...over,
    resolveFiles: async () => ({ modelDir, evalPath: s.net.paths.evalSet }),
  })
  const stop = new AbortController()
  const loop = v.validator.run(stop.signal)
  await done
  stop.abort()
  await loop
  await v.close()
  return summary!
}

async function refusingModel(s: LocalSubnet, how: 'raise' | 'loop'): Promise<string> {
  const modelDir = join(s.dir, `model-${how}`)
  await cp(s.net.paths.model, modelDir, { recursive: true })
  await makeTemplateRefuse(modelDir, how)
  return modelDir
}

for (const devices of [['cpu'], ['cpu', 'cpu']]) {
  t.test(`one untokenizable row: invalid-dataset naming its line; the good miner scored (devices ${devices.join(',')})`, async (t) => {
    const s = await localSubnet(t, { tempo: 1000 })
    const modelDir = await refusingModel(s, 'raise')
    const bad = await s.addMiner('bad-row', { content: toJsonl(countingRows(20, 3).map((r, i) => (i === 6 ? refusedRow(r) : r))) })
    const good = await s.addMiner('good', { content: toJsonl(countingRows(20, 2)) })
    const byUid = new Map((await firstRound(s, modelDir, { devices })).ranking.map((r) => [r.uid, r]))
    t.match(byUid.get(bad.uid), { eligible: false, code: 'invalid-dataset', reason: new RegExp(`line 7: cannot be tokenized \\(E_CHAT_TEMPLATE\\): the chat template failed: ${REFUSAL}`) })
    t.match(byUid.get(good.uid), { eligible: true, code: 'scored' })
  })
}

t.test('rows that make the template loop: the time budget stops tokenizing them, a timeout', async (t) => {
  const s = await localSubnet(t, { tempo: 1000 })
  const modelDir = await refusingModel(s, 'loop')
  // each row takes the whole step bound, a second or more: far over the budget
  const slow = await s.addMiner('slow', { content: toJsonl(countingRows(40, 3).map(refusedRow)) })
  const byUid = new Map((await firstRound(s, modelDir, { evalTimeoutMs: 1500, maxAttempts: 1 })).ranking.map((r) => [r.uid, r]))
  t.match(byUid.get(slow.uid), { eligible: false, code: 'timeout', reason: /took longer than its budget of 2 s/ })
})
