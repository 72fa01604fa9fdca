// Untrusted input never stops the loop: a dataset that cannot be downloaded, an invalid
// dataset and one whose training fails each leave the loop running — the next miner is
// scored, the next round comes — with the miner ineligible and its reason recorded, and
// no finished miner is evaluated again in a later round.
import t from 'tap'

import { countingRows, toJsonl } from '../../lib/local-subnet/index.js'
import { commitmentId, resultKey } from '../../lib/validator/context.js'
import type { Reporter, RoundSummary } from '../../lib/validator/reporter.js'
import { ResultStore } from '../../lib/validator/store/index.js'
import { localSubnet } from '../helpers/local-subnet.js'

const MISSING_SHA = 'deadbeef'.repeat(5)

t.test('download failure, invalid dataset, training error: ineligible with reasons, the loop goes on', async (t) => {
  const s = await localSubnet(t, { tempo: 1000 })
  // committed first, so they are evaluated before the good miner
  const missing = await s.addMiner('gone', { commit: `nobody/missing-data:${MISSING_SHA}:${'0'.repeat(32)}` })
  const invalid = await s.addMiner('broken', { upload: '{"conversations": [{"role": "user", "content": "hi"}, {"role": "user", "content": "again"}]}\nnot json\n' })
  // valid rows, but the system prompt fills the context: no assistant token is left to train on
  const longSystem = countingRows(10, 9).map((r) => ({ ...r, system: 'Please answer briefly. '.repeat(40) }))
  const untrainable = await s.addMiner('untrainable', { content: toJsonl(longSystem) })
  const good = await s.addMiner('good', { content: toJsonl(countingRows(64, 2)) })

  const rounds: RoundSummary[] = []
  const roundWaiters: Array<() => void> = []
  const reporter: Reporter = {
    roundStart() {}, minerStart() {}, minerProgress() {}, minerResult() {}, close() {},
    roundEnd(summary) {
      rounds.push(summary)
      roundWaiters.splice(0).forEach((w) => w())
    },
  }
  const nextRound = () => new Promise<void>((resolve) => roundWaiters.push(resolve))
  const v = await s.assemble({ reporter, blocksPerEpoch: 20, pollMs: 20, marginBlocks: 0 })
  const stop = new AbortController()
  const first = nextRound()
  const loop = v.validator.run(stop.signal)
  await first
  const second = nextRound()
  await s.net.chain.advanceBlocks(20)
  await second
  stop.abort()
  await loop
  await v.close()

  t.equal(rounds.length, 2, 'the loop ran a second round after the failures')
  const [r1, r2] = rounds as [RoundSummary, RoundSummary]
  t.same(r1.evaluated.map((r) => r.uid), [missing.uid, invalid.uid, untrainable.uid, good.uid], 'the good miner, queued last, was still evaluated')
  const byUid = new Map(r1.ranking.map((r) => [r.uid, r]))
  t.match(byUid.get(missing.uid), { eligible: false, code: 'download-failed', reason: /E_HUB_NOT_FOUND: .*missing-data/ })
  t.match(byUid.get(invalid.uid), { eligible: false, code: 'invalid-dataset', reason: /line 1: conversations\[1\]\.role: expected "assistant".*line 2: invalid JSON/ })
  t.match(byUid.get(untrainable.uid), { eligible: false, code: 'training-failed', reason: /none of the 10 sampled rows has an assistant token within 128 tokens/ })
  t.match(byUid.get(good.uid), { eligible: true, code: 'scored', score: 1 })
  t.same(r1.weights, { uids: [good.uid], values: [65535] }, 'only the good miner is paid')
  t.equal(r1.sent.status, 'set')

  t.same(r2.evaluated, [], 'nothing finished is evaluated again in the next round')
  t.same(r2.ranking.map((r) => [r.uid, r.code]), r1.ranking.map((r) => [r.uid, r.code]))
  const store = await ResultStore.peek(v.store.dir)
  for (const m of [missing, invalid, untrainable, good]) {
    const commitBlock = byUid.get(m.uid)!.commitBlock
    const key = resultKey(v.validator.context, commitmentId(m.hotkey, commitBlock, m.text))
    const trained = m === untrainable || m === good
    t.equal(store.starts[`${key}#training`] ?? 0, trained ? 1 : 0, trained ? `${m.name} trained once` : `${m.name} decided by the pre-checks, never trained`)
    t.equal(store.results[key]!.final, true)
  }
})
