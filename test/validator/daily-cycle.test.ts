// The flock-off-s1 validator over simulated UTC days, in process on a LocalChain, the local
// hub and the tiny model: submissions are recorded only in their window; a training failure
// is ineligible with its reason (the live code scores it 2.60, eligible: trainer.py:298-316);
// the winner's weight is sent when due, once per epoch step, and kept across a restart, a day
// whose eval set did not change and a day with no winner; a new eval set opens a new
// competition; a state older than yesterday starts afresh with the weight burned.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'

import { competitionFiles } from '../../lib/cli/competition.js'
import { EVAL_SET_REPO } from '../../lib/competition/flock-off-s1/constants.js'
import { localS1EvalRows } from '../../lib/competition/flock-off-s1/local.js'
import { embeddedCompetition } from '../../lib/competition/index.js'
import { datasetRepo, publishDataset } from '../../lib/hub/index.js'
import { devAddress, openLocalNetwork, type LocalNetwork } from '../../lib/local-subnet/index.js'
import { submitDataset } from '../../lib/miner/index.js'
import type { LocalChain } from '../../lib/chain/index.js'
import { openDailyValidator } from '../../lib/validator/programs.js'

const competition = embeddedCompetition('flock-off-s1')!
const netuid = 96
const dir = await mkdtemp(join(tmpdir(), 'flock-daily-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

// the eval set: the local rows plus rows too long to train on (their assistant turn starts past 2048 tokens)
const longRow = (i: number) => ({ system: null, conversations: [{ role: 'user', content: `${'word '.repeat(2500)}${i}` }, { role: 'assistant', content: `answer ${i}` }] })
const evalLines = [...localS1EvalRows(200), ...Array.from({ length: 5 }, (_, i) => longRow(i))].map((r) => JSON.stringify(r))

const net: LocalNetwork = await openLocalNetwork({ stateDir: dir, netuid, blockTimeMs: null })
await publishDataset(net.hub, { repo: datasetRepo(EVAL_SET_REPO), content: evalLines.join('\n') + '\n', pathInRepo: 'data.jsonl', message: 'eval set, day 1' })

const clock = { t: new Date('2026-03-02T12:05:00Z') }
const cacheDir = join(net.paths.validator, 'hub-cache')
const open = () =>
  openDailyValidator({
    chain: net.chain, hub: net.hub, netuid, config: competition.config, rules: competition.rules, stateDir: net.paths.validator, cacheDir,
    logger: pino({ level: 'silent' }), numThreads: 2, now: () => clock.t,
    resolveFiles: (cache) => competitionFiles({ competition, local: net.paths, cache }),
  })

async function miner(name: string): Promise<{ chain: LocalChain; uid: number; submit(lines: string[]): Promise<string> }> {
  const { chain, uid } = await net.clientFor(await devAddress(`FlockDaily-${name}`))
  return {
    chain, uid,
    async submit(lines) {
      const datasetPath = join(dir, `${name}-${lines.length}.jsonl`)
      await writeFile(datasetPath, lines.join('\n') + '\n')
      const r = await submitDataset({ datasetPath, repoId: `${name}/sel`, hub: net.hub, chain, netuid, config: competition.config, commitment: competition.rules.commitment, at: clock.t })
      return r.commitment
    },
  }
}

const good = await miner('good')
const long = await miner('long')
const late = await miner('late')
await net.chain.advanceBlocks(1)

let v = await open()
t.teardown(() => v.close())

t.test('day 1: recorded in the window, validated, a training failure ineligible, the winner rewarded', async (t) => {
  await good.submit(evalLines.slice(0, 100))
  await long.submit(evalLines.slice(200, 205))
  clock.t = new Date('2026-03-02T12:10:00Z')
  const s1 = await v.validator.step(new AbortController().signal, { sendOnChange: true })
  t.equal(s1.phase, 'submission')
  const c = v.validator.state.competitions['20260302']!
  t.same(Object.values(c.submissions).map((s) => s.uid).sort(), [good.uid, long.uid].sort(), 'both commitments recorded in the window')
  t.match(c.evalSet, { repo: EVAL_SET_REPO, file: 'data.jsonl' })

  // committed after the window closed: not recorded for this competition
  clock.t = new Date('2026-03-02T12:35:00Z')
  await late.submit(evalLines.slice(100, 200))
  const s2 = await v.validator.step(new AbortController().signal, { wholeQueue: true, sendOnChange: true })
  t.equal(s2.phase, 'validation')
  t.notOk(Object.values(c.submissions).some((s) => s.uid === late.uid), 'a commitment after 12:30 is not recorded')
  t.equal(c.status, 'validated', 'every submission decided')
  const rows = new Map(s2.summary!.ranking.map((r) => [r.uid, r]))
  t.match(rows.get(good.uid), { eligible: true, code: 'scored' })
  t.match(rows.get(long.uid), { eligible: false, code: 'training-failed', reason: /assistant token within 2048 tokens/, loss: null }, 'a failed training is ineligible with its reason, not a 2.60 loss')

  clock.t = new Date('2026-03-03T11:40:00Z')
  const s3 = await v.validator.step(new AbortController().signal, { sendOnChange: true })
  t.equal(s3.phase, 'rewarding')
  t.match(c.winner, { uid: good.uid })
  t.match(v.validator.state.weights, { uid: good.uid, source: 'winner', competition: '20260302' })
  t.equal(s3.summary!.sent.status, 'set', 'the new winner goes on chain')
  const validatorUid = (await net.chain.metagraph(netuid)).neurons.find((n) => n.hotkey === net.validatorHotkey)!.uid
  t.same((await net.chain.weights(netuid)).get(validatorUid), [[good.uid, 65535]])
})

t.test('weights: sent once per epoch step, within its last 50 blocks', async (t) => {
  clock.t = new Date('2026-03-03T11:45:00Z')
  // the reward's weights counted for the epoch step after them: go past it
  const e = await net.chain.epoch(netuid)
  await net.chain.advanceBlocks(e.blocksUntilNextEpoch + 1)
  const far = await net.chain.epoch(netuid)
  await net.chain.advanceBlocks(far.blocksUntilNextEpoch - 51)
  t.equal((await v.validator.step(new AbortController().signal)).summary, null, '51 blocks before the step: nothing sent, nothing else to do')
  await net.chain.advanceBlocks(11) // 40 blocks before the step
  const due = await v.validator.step(new AbortController().signal)
  t.equal(due.summary?.sent.status, 'set', 'due: sent')
  t.equal(v.validator.state.lastWeightsFor, far.nextEpochBlock)
  await net.chain.advanceBlocks(12)
  t.equal((await v.validator.step(new AbortController().signal)).summary, null, 'the same epoch step: not again')
})

t.test('a restart keeps the winner; an unchanged eval set carries the reward on; a day without a winner keeps it', async (t) => {
  await v.close()
  v = await open()
  t.match(v.validator.state.weights, { uid: good.uid, source: 'winner' }, 'restored from the state file')
  clock.t = new Date('2026-03-03T12:10:00Z')
  await v.validator.step(new AbortController().signal, { sendOnChange: true })
  const day2 = v.validator.state.competitions['20260303']!
  t.equal(day2.copiedFrom, '20260302', 'the eval set did not change')
  t.equal(v.validator.state.useYesterdayReward, true)
  t.same(Object.keys(day2.submissions), [], 'no submissions are recorded for a carried-on day')
  t.match(v.validator.state.weights, { uid: good.uid })

  // day 3: a new eval set without late's rows; good now commits long rows too, so nothing trains
  await publishDataset(net.hub, { repo: datasetRepo(EVAL_SET_REPO), content: [...evalLines.slice(0, 100), ...evalLines.slice(200)].join('\n') + '\n', pathInRepo: 'data.jsonl', message: 'eval set, day 3' })
  await good.submit(evalLines.slice(200, 205))
  clock.t = new Date('2026-03-04T12:10:00Z')
  await v.validator.step(new AbortController().signal, { sendOnChange: true })
  const day3 = v.validator.state.competitions['20260304']!
  t.equal(day3.copiedFrom, null, 'a new eval set: a new competition')
  t.equal(v.validator.state.useYesterdayReward, false)
  t.not(day3.evalSet.revision, day2.evalSet.revision)
  clock.t = new Date('2026-03-04T13:00:00Z')
  await v.validator.step(new AbortController().signal, { wholeQueue: true, sendOnChange: true })
  clock.t = new Date('2026-03-05T11:35:00Z')
  const r = await v.validator.step(new AbortController().signal, { sendOnChange: true })
  const codes = new Map(r.summary!.ranking.map((x) => [x.uid, x.code]))
  t.same([codes.get(good.uid), codes.get(long.uid), codes.get(late.uid)], ['training-failed', 'training-failed', 'not-in-eval-set'], 'a commitment stays on chain: late is recorded on day 3')
  t.equal(day3.winner, null, 'nothing scored: no winner')
  t.match(v.validator.state.weights, { uid: good.uid, competition: '20260302' }, 'the last winner keeps the weight (the live code raises here)')
  t.equal(r.summary?.sent.status, 'skipped', 'unchanged weights are not sent again by a --once step')
})

t.test('a state older than yesterday starts afresh: the weight to the burn uid', async (t) => {
  await v.close()
  clock.t = new Date('2026-03-09T08:00:00Z')
  v = await open()
  t.equal(v.validator.state.active, null)
  t.match(v.validator.state.weights, { uid: 0, source: 'burn' })
})
