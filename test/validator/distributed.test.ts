// The validator handing its round to evaluators: through BullMQ on a real redis-server with
// two worker processes (flock-validator --redis.url, killed with SIGKILL mid-round and
// started again), and over two devices in process (--devices cpu,cpu). Both give every
// miner the result, and the bit-for-bit loss, of the validator that evaluates in process.
import { mkdtempSync, rmSync } from 'node:fs'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { pino } from 'pino'
import t from 'tap'

import { addDemoMiners } from '../../lib/cli/demo/miners.js'
import { HubCache } from '../../lib/hub/index.js'
import { localCompetitionConfig, openLocalNetwork } from '../../lib/local-subnet/index.js'
import { FlockMetrics } from '../../lib/metrics/flock-metrics.js'
import { startWorker } from '../../lib/evaluator/worker.js'
import { assembleValidator, type AssembleOptions } from '../../lib/validator/assemble.js'
import { countChainErrors } from '../../lib/metrics/chain-metrics.js'
import { commitmentId, resultKey } from '../../lib/validator/context.js'
import { ResultStore, type MinerResult } from '../../lib/validator/store/index.js'
import { samples } from '../helpers/prometheus.js'
import { WorkerProcess } from '../helpers/queue-fixture.js'
import { startRedis } from '../helpers/redis-server.js'

const netuid = 7
const dir = mkdtempSync(join(tmpdir(), 'flock-dist-validator-'))
const cleanups: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })]
t.teardown(async () => {
  for (const f of cleanups.reverse()) await f()
})
const net = await openLocalNetwork({ stateDir: dir, netuid, blockTimeMs: null })
cleanups.push(() => net.chain.close())
const miners = await addDemoMiners(net, netuid, localCompetitionConfig, join(dir, 'miners'))
const quiet = pino({ level: process.env.FLOCK_TEST_LOGS ? 'debug' : 'silent' })

// Each validator below is a fresh state folder with the same hotkey: past the chain's rate
// limit before each, so each may set weights.
async function assemble(stateDir: string, over: Partial<AssembleOptions> = {}) {
  await net.chain.advanceBlocks(20)
  return assembleValidator({
    chain: net.chain, hub: net.hub, netuid, config: localCompetitionConfig, stateDir, cacheDir: join(stateDir, 'hub-cache'), logger: quiet, numThreads: 2,
    resolveFiles: async () => ({ modelDir: net.paths.model, evalPath: net.paths.evalSet }),
    ...over,
  })
}

/** What a result says about a miner, minus timings and the place it ran. */
const outcome = (r: MinerResult) => ({ uid: r.uid, status: r.status, loss: r.loss, contentHash: r.contentHash, proofValid: r.proofValid, final: r.final, duplicateOf: r.duplicateOf })
const byUid = (rs: Iterable<MinerResult>) => [...rs].map(outcome).sort((a, b) => a.uid - b.uid)

// the reference: the default, one device (an in-process evaluator with one slot)
const ref = await assemble(join(dir, 'reference'))
const refSummary = await ref.validator.runRound({ signal: new AbortController().signal, wholeQueue: true })
await ref.close()
const expected = byUid(refSummary.evaluated)
t.same(expected.map((r) => r.status), miners.map((m) => m.expect), 'the reference round gives the demo its expected outcomes')

t.test('--devices cpu,cpu: the round spread over two devices in process gives the same results', async (t) => {
  const metrics = new FlockMetrics({ defaultMetrics: false })
  const v = await assemble(join(dir, 'two-devices'), { devices: ['cpu', 'cpu'], numThreads: 1, metrics })
  t.teardown(() => v.close())
  t.equal(v.validator.context, ref.validator.context, 'the same evaluation context as the one-device validator')
  const summary = await v.validator.runRound({ signal: new AbortController().signal, wholeQueue: true })
  t.same(byUid(summary.evaluated), expected, 'statuses, losses (bitwise) and facts equal the reference')
  t.same(summary.ranking, refSummary.ranking)
  const s = samples(await metrics.text())
  t.equal(s.get('flock_eval_jobs_done_total{status="scored"}'), 3, 'three datasets trained; the pre-checks decided the other three')
  t.equal(s.get('flock_weights_set_total'), 1)
})

const redis = await startRedis()
cleanups.push(() => redis.stop())

t.test('--redis.url: two workers; the validator killed mid-round and started again loses nothing and evaluates nothing twice', async (t) => {
  const prefix = 'dist-validator'
  const workers = ['w1', 'w2'].map(
    (name) =>
      new WorkerProcess([
        '--redis.url', redis.url, '--queue.prefix', prefix, '--worker.name', name, '--devices', 'cpu', '--threads', '1',
        '--config', net.paths.config, '--model.dir', net.paths.model, '--eval.path', net.paths.evalSet,
        '--hub.local', net.paths.hub, '--hub.cache-dir', join(dir, `cache-${name}`), '--queue.lock-ms', '1500', '--queue.stalled-interval-ms', '500',
      ]),
  )
  cleanups.push(() => Promise.all(workers.map((w) => w.kill('SIGKILL'))))
  await Promise.all(workers.map((w) => w.waitFor((l) => l.msg === 'worker ready', 'ready')))

  await net.chain.advanceBlocks(20)
  const validatorArgs = ['--local', '--state-dir', dir, '--netuid', String(netuid), '--once', '--redis.url', redis.url, '--queue.prefix', prefix, '--logging.debug']
  const first = new WorkerProcess([...validatorArgs, '--metrics.port', '0'], {}, 'validator')
  cleanups.push(() => first.kill('SIGKILL'))
  const metricsUrl = (await first.waitFor((l) => l.msg === 'metrics served', 'metrics')).metricsUrl as string
  await first.waitFor((l) => l.msg === 'evaluations handed to the evaluator', 'jobs submitted')
  await Promise.race(workers.map((w) => w.waitFor((l) => l.msg === 'evaluating', 'a job running')))
  const text = await (await fetch(metricsUrl)).text()
  const scraped = samples(text)
  const queued = [...scraped].filter(([k]) => k.startsWith('flock_eval_queue_jobs{') && /state="(waiting|active|completed)"/.test(k)).reduce((a, [, v]) => a + v, 0)
  t.equal(queued, 3, 'the validator\'s /metrics counts the round\'s three jobs in the queue')
  for (const name of ['flock_weights_set_total', 'flock_chain_errors_total', 'flock_hub_errors_total', 'flock_eval_jobs_done_total', 'flock_eval_seconds'])
    t.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} served`)
  t.equal(await first.kill('SIGKILL'), null, 'the validator was killed mid-round')

  const second = new WorkerProcess(validatorArgs, {}, 'validator')
  cleanups.push(() => second.kill('SIGKILL'))
  t.equal(await second.exited, 0, 'the restarted validator finished the round')
  t.ok(second.lines.some((l) => l.msg === 'round end' && l.sent === 'set'), 'and set weights')

  const store = await ResultStore.open(join(dir, 'validator', 'store'))
  const results = store.results()
  await store.close()
  t.same(byUid(results), expected, 'every miner has the reference result, loss for loss')

  const started = workers.flatMap((w) => w.lines.filter((l) => l.msg === 'evaluating').map((l) => l.jobId as string))
  t.equal(started.length, 3, 'three trainings in all (the scored miners): none ran twice')
  t.equal(new Set(started).size, 3)
  t.ok(workers.every((w) => w.lines.some((l) => l.msg === 'job done')), 'both workers took jobs')
})

t.test('metrics: failed chain calls are counted by operation; the error still reaches the caller', async (t) => {
  const metrics = new FlockMetrics({ defaultMetrics: false })
  const failing = new Proxy(net.chain, {
    get: (target, prop) => {
      if (prop === 'metagraph') return async () => Promise.reject(new Error('connection reset'))
      const v: unknown = Reflect.get(target, prop)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
  const chain = countChainErrors(failing, metrics)
  await t.rejects(chain.metagraph(netuid), /connection reset/)
  await t.rejects(chain.metagraph(netuid), /connection reset/)
  t.ok((await chain.currentBlock()).number > 0, 'calls that succeed pass through')
  t.equal(samples(await metrics.text()).get('flock_chain_errors_total{op="metagraph"}'), 2)
})

t.test('--redis.url with --devices: the validator works its own queue and gives the reference results', async (t) => {
  const metrics = new FlockMetrics({ defaultMetrics: false })
  const v = await assemble(join(dir, 'self-worker'), { redisUrl: redis.url, queuePrefix: 'self-worker', devices: ['cpu'], numThreads: 2, metrics })
  t.teardown(() => v.close())
  t.equal(v.validator.context, ref.validator.context)
  const summary = await v.validator.runRound({ signal: new AbortController().signal, wholeQueue: true })
  t.same(byUid(summary.evaluated), expected, 'statuses, losses (bitwise) and facts equal the reference')
  t.equal(samples(await metrics.text()).get('flock_eval_jobs_done_total{status="scored"}'), 3, 'its own worker trained the three')
})

t.test('the epoch ends before the workers are done: weights go out with what is decided; the next round collects the rest', async (t) => {
  const prefix = 'dist-deadline'
  const lines: Array<{ msg: string; [k: string]: unknown }> = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as { msg: string })
      done()
    },
  })
  const logger = pino({ level: 'info' }, sink)
  const v = await assemble(join(dir, 'deadline'), { redisUrl: redis.url, queuePrefix: prefix, logger, blocksPerEpoch: 1000, marginBlocks: 10, pollMs: 50 })
  t.teardown(() => v.close())
  const round = v.validator.runRound({ signal: new AbortController().signal })
  while (!lines.some((l) => l.msg === 'evaluations handed to the evaluator')) await sleep(20)
  await net.chain.advanceBlocks(1000) // no worker yet: the epoch ends with three jobs queued
  const first = await round
  t.same(byUid(first.evaluated), expected.filter((r) => r.status === 'invalid-dataset' || r.status === 'copied-commitment'), 'only what the pre-checks decided')
  t.equal(first.deferred, 4, 'three queued jobs, and the re-upload waiting for its original')
  t.equal(first.sent.status, 'set', 'weights went out anyway')

  const metrics = new FlockMetrics({ defaultMetrics: false })
  const worker = await startWorker({
    redisUrl: redis.url, prefix, config: localCompetitionConfig, devices: ['cpu'], numThreads: 2, metrics,
    hubCache: new HubCache({ hub: net.hub, cacheDir: join(dir, 'deadline-worker-cache') }), modelDir: net.paths.model, evalPath: net.paths.evalSet,
  })
  t.teardown(() => worker.stop())
  const second = await v.validator.runRound({ signal: new AbortController().signal, wholeQueue: true })
  t.same(byUid(second.evaluated), expected.filter((r) => r.status === 'scored' || r.status === 'duplicate'), 'the next round records the queued jobs\' results and the duplicate')
  t.equal(second.deferred, 0)
  t.equal(samples(await metrics.text()).get('flock_eval_jobs_done_total{status="scored"}'), 3, 'each job trained once')
})

t.test('Redis goes away: the round gives up waiting, weights go out with what is decided, the loop lives on', async (t) => {
  const doomed = await startRedis()
  const v = await assemble(join(dir, 'outage'), { redisUrl: doomed.url, queuePrefix: 'outage' })
  t.teardown(() => v.close())
  await doomed.stop()
  const summary = await v.validator.runRound({ signal: new AbortController().signal, wholeQueue: true })
  t.same(byUid(summary.evaluated), expected.filter((r) => r.status === 'invalid-dataset' || r.status === 'copied-commitment'), 'the pre-checks\' results are recorded')
  t.equal(summary.deferred, 4, 'the rest waits for the next round')
  t.equal(summary.sent.status, 'set', 'weights went out')
})

t.test('--devices cpu,cpu: a dataset whose trainings the validator died in twice is given up on, the rest go on', async (t) => {
  const v = await assemble(join(dir, 'crashes'), { devices: ['cpu', 'cpu'], numThreads: 1 })
  t.teardown(() => v.close())
  const good = miners.find((m) => m.name === 'good')!
  const commitments = await net.chain.commitments(netuid)
  const c = commitments.find((x) => x.hotkey === good.hotkey)!
  const key = resultKey(v.validator.context, commitmentId(good.hotkey, c.block, c.text))
  // two starts of its training that ended in neither a result nor a clean stop
  await v.store.recordStart(`${key}#training`)
  await v.store.recordStart(`${key}#training`)
  const summary = await v.validator.runRound({ signal: new AbortController().signal, wholeQueue: true })
  const row = summary.evaluated.find((r) => r.uid === good.uid)!
  t.match(row, { status: 'training-failed', final: true, reason: /died during 2 evaluations/ })
  const others = byUid(summary.evaluated).filter((r) => r.uid !== good.uid)
  const reupload = miners.find((m) => m.name === 'reupload')!.uid
  t.same(others.filter((r) => r.uid !== reupload), expected.filter((r) => r.uid !== good.uid && r.uid !== reupload), 'the other miners as in the reference')
  t.match(others.find((r) => r.uid === reupload), { status: 'scored' }, 'the re-upload of the given-up dataset is evaluated on its own')
})
