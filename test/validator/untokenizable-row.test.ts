// A miner whose dataset has one row the base model's chat template refuses is recorded
// invalid-dataset with that row's line; the other miners' rounds go on (the good miner is
// scored), in process and through an evaluator worker alike.
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'

import { countingRows, toJsonl } from '../../lib/local/index.js'
import type { Reporter, RoundSummary } from '../../lib/validator/reporter.js'
import { localSubnet } from '../helpers/local-subnet.js'
import { makeTemplateRefuse, REFUSAL, refusedRow } from '../helpers/refusing-template.js'

for (const devices of [['cpu'], ['cpu', 'cpu']]) t.test(`one untokenizable row: invalid-dataset naming its line; the good miner scored (devices ${devices.join(',')})`, async (t) => {
  const s = await localSubnet(t, { tempo: 1000 })
  const modelDir = join(s.dir, 'refusing-model')
  await cp(s.net.paths.model, modelDir, { recursive: true })
  await makeTemplateRefuse(modelDir)
  const rows = countingRows(20, 3)
  const bad = await s.addMiner('bad-row', { content: toJsonl(rows.map((r, i) => (i === 6 ? refusedRow(r) : r))) })
  const good = await s.addMiner('good', { content: toJsonl(countingRows(20, 2)) })

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
    reporter, blocksPerEpoch: 20, pollMs: 20, marginBlocks: 0, devices, numThreads: devices.length,
    resolveFiles: async () => ({ modelDir, evalSet: { path: s.net.paths.evalSet } }),
  })
  const stop = new AbortController()
  const loop = v.validator.run(stop.signal)
  await done
  stop.abort()
  await loop
  await v.close()

  const byUid = new Map(summary!.ranking.map((r) => [r.uid, r]))
  t.match(byUid.get(bad.uid), { eligible: false, code: 'invalid-dataset', reason: new RegExp(`line 7: cannot be tokenized \\(E_CHAT_TEMPLATE\\): the chat template failed: ${REFUSAL}`) })
  t.match(byUid.get(good.uid), { eligible: true, code: 'scored' })
})
