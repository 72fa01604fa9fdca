// A stop request in the middle of a training run abandons it cleanly: the run is cancelled
// through its AbortSignal, recorded as abandoned rather than as a result, and evaluated
// again (once) by the next round. A dataset during which the process keeps dying is given up.
import t from 'tap'

import { countingRows, toJsonl } from '../../lib/local-subnet/index.js'
import { commitmentId, resultKey } from '../../lib/validator/context.js'
import { StopRequested, trainingKey } from '../../lib/validator/miner-run.js'
import type { Reporter } from '../../lib/validator/reporter.js'
import { ResultStore } from '../../lib/validator/store/index.js'
import { localSubnet } from '../helpers/local-subnet.js'

t.test('stop mid-training: abandoned, then evaluated by the next round', async (t) => {
  const s = await localSubnet(t, { tempo: 1000 })
  const miner = await s.addMiner('m', { content: toJsonl(countingRows(64, 31)) })
  let stop = new AbortController()
  let trainingSteps = 0
  const reporter: Reporter = {
    roundStart() {}, minerStart() {}, minerResult() {}, roundEnd() {}, close() {},
    minerProgress(e) {
      if (e.phase !== 'train') return
      trainingSteps++
      stop.abort() // as SIGINT/SIGTERM do
    },
  }
  const v = await s.assemble({ reporter })
  t.teardown(() => v.close())
  const err = await v.validator.runRound({ signal: stop.signal, wholeQueue: true }).then((r) => r, (e: unknown) => e)
  t.ok(err instanceof StopRequested, 'the round stops')
  const stopped = await ResultStore.peek(v.store.dir)
  t.ok(trainingSteps >= 1, 'it was training')
  t.same(Object.values(stopped.results), [], 'no result recorded for the abandoned run')
  t.same(Object.values(stopped.abandoned), [1])
  t.same(Object.values(stopped.starts), [1])

  stop = new AbortController()
  const next = await v.validator.runRound({ signal: new AbortController().signal, wholeQueue: true })
  t.same(next.evaluated.map((r) => [r.uid, r.status]), [[miner.uid, 'scored']])
  const after = await ResultStore.peek(v.store.dir)
  t.same(Object.values(after.starts), [2])
})

t.test('a dataset during which the validator died twice is not tried a third time', async (t) => {
  const s = await localSubnet(t, { tempo: 1000 })
  const miner = await s.addMiner('poison', { content: toJsonl(countingRows(64, 32)) })
  const v = await s.assemble()
  t.teardown(() => v.close())
  const commitBlock = (await s.net.chain.commitmentOf(s.netuid, miner.hotkey))!.block
  const key = resultKey(v.validator.context, commitmentId(miner.hotkey, commitBlock, miner.text))
  // two training starts with no result and no clean stop, as two crashed processes leave them
  await v.store.recordStart(trainingKey(key))
  await v.store.recordStart(trainingKey(key))
  const r = await v.validator.runRound({ signal: new AbortController().signal, wholeQueue: true })
  t.match(r.ranking, [{ uid: miner.uid, eligible: false, code: 'training-failed', reason: /died during 2 evaluations/ }])
  t.equal(v.store.starts(trainingKey(key)), 2, 'not started a third time')
})
