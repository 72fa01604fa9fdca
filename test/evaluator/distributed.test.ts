// A real redis-server and worker processes: a round's results equal an in-process round's,
// a restarted coordinator loses nothing, a killed or stopped worker's job is finished by
// another with no duplicate and no loss.
import { join } from 'node:path'

import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import t from 'tap'

import { EvaluationQueue, type EvaluationResult, InProcessEvaluator, jobIdFor, loadEvaluationResources, queueNameFor } from '../../lib/evaluator/index.js'
import { HfHub, HubCache } from '../../lib/hub/index.js'
import { FakeHfHub } from '../helpers/fake-hf-hub.js'
import { samples } from '../helpers/prometheus.js'
import { makeQueueFixture, publishMiners, WorkerProcess, workerArgs } from '../helpers/queue-fixture.js'
import { startRedis } from '../helpers/redis-server.js'

// Torn down last-in first-out, Redis last, so no client is left reconnecting to a dead server.
const cleanups: Array<() => unknown> = []
t.teardown(async () => {
  for (const f of cleanups.reverse()) await f()
})
const redis = await startRedis()
cleanups.push(() => redis.stop())
const fx = await makeQueueFixture()
cleanups.push(() => fx.cleanup())
const jobs = await publishMiners(fx, 4, '0x5eed')
const fast = { pollMs: 50, reconcileMs: 500, backoffMs: 50, attempts: 2 }

const workers = ['w1', 'w2'].map(
  (name) => new WorkerProcess(workerArgs(fx, { redisUrl: redis.url, name, hub: ['--hub.local', fx.hubRoot], cacheDir: join(fx.dir, `cache-${name}`), metricsPort: 0 })),
)
cleanups.push(() => Promise.all(workers.map((w) => w.kill('SIGKILL'))))
const metricsUrls = await Promise.all(workers.map(async (w) => (await w.waitFor((l) => l.msg === 'metrics served', 'metrics')).metricsUrl as string))
await Promise.all(workers.map((w) => w.waitFor((l) => l.msg === 'worker ready', 'ready')))

async function inProcessRound(id: string, hubCache: HubCache, roundJobs = jobs): Promise<EvaluationResult[]> {
  const resources = await loadEvaluationResources({ config: fx.config, devices: ['cpu'], hubCache, modelDir: fx.modelDir, evalPath: fx.evalPath, numThreads: 1 })
  const ev = new InProcessEvaluator({ resources, attempts: 2, backoffMs: 50 })
  try {
    return await ev.evaluateRound({ id, jobs: roundJobs })
  } finally {
    await ev.close()
    resources.dispose()
  }
}

const comparable = (r: EvaluationResult) => ({ jobId: r.jobId, hotkey: r.hotkey, uid: r.uid, status: r.status, reason: r.reason, evalLoss: r.evalLoss, datasetHash: r.datasetHash, evalLossDefinition: r.evalLossDefinition })

async function doneCounts(): Promise<number> {
  let total = 0
  for (const url of metricsUrls) {
    const s = samples(await (await fetch(url)).text())
    total += (s.get('flock_eval_jobs_done_total{status="scored"}') ?? 0) + (s.get('flock_eval_jobs_done_total{status="ineligible"}') ?? 0)
  }
  return total
}

t.test('two worker processes give a round the results an in-process round gets, bit for bit', async (t) => {
  const coordinator = new EvaluationQueue({ redisUrl: redis.url, ...fast })
  t.teardown(() => coordinator.close())
  const distributed = await coordinator.evaluateRound({ id: 'equal', jobs })
  const local = await inProcessRound('equal', new HubCache({ hub: fx.hub, cacheDir: join(fx.dir, 'cache-local') }))
  t.equal(distributed.length, jobs.length)
  t.same(distributed.map(comparable), local.map(comparable), 'same statuses, reasons, hashes and eval losses')
  for (const [i, r] of distributed.entries()) {
    if (r.status === 'scored') t.ok(Object.is(r.evalLoss, local[i]!.evalLoss), `${r.hotkey}: ${r.evalLoss} bitwise`)
    t.ok(['w1', 'w2'].includes(r.worker) && r.device === 'cpu' && r.attempts === 1, `${r.hotkey} decided once by a worker`)
  }
  t.equal(distributed.filter((r) => r.status === 'scored').length, 4)
  t.equal(await doneCounts(), jobs.length, 'the workers\' metrics count each job once')
  const s = samples(await (await fetch(metricsUrls[0]!)).text())
  t.equal(s.get(`flock_eval_queue_jobs{queue="${queueNameFor(fx.configId)}",state="completed"}`), jobs.length, 'a worker reports the queue\'s counts')
})

t.test('a coordinator that restarts mid-round loses nothing and adds nothing', async (t) => {
  const round = { id: 'restart', jobs: jobs.map((j) => ({ ...j, seed: 99 })) }
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null })
  const bull = new Queue(queueNameFor(fx.configId), { connection: conn, prefix: 'flock' })
  t.teardown(async () => {
    await bull.close()
    await conn.quit()
  })
  const before = await doneCounts()
  await bull.pause() // no worker takes a job until the first coordinator is gone
  const first = new EvaluationQueue({ redisUrl: redis.url, ...fast })
  const submitted = await first.submitRound(round)
  t.equal(submitted.size, jobs.length)
  await first.close()
  t.equal((await bull.getJobCounts('waiting')).waiting, jobs.length, 'the round is queued, unstarted, with no coordinator')
  await bull.resume()

  const second = new EvaluationQueue({ redisUrl: redis.url, ...fast })
  t.teardown(() => second.close())
  const seen: EvaluationResult[] = []
  for await (const r of second.attachRound('restart')) {
    seen.push(r)
    if (seen.length === 2) break // and this coordinator dies too, mid-round
  }
  await second.close()

  const third = new EvaluationQueue({ redisUrl: redis.url, ...fast })
  t.teardown(() => third.close())
  const all = await third.evaluateRound(round) // submitting again is harmless
  t.same(all.map((r) => r.jobId), round.jobs.map((j) => jobIdFor('restart', j)))
  for (const r of seen) t.same(all.find((x) => x.jobId === r.jobId), r, 'a result seen before the restart is the same result')
  t.ok(all.every((r) => r.attempts === 1), 'no job ran twice')
  t.equal((await doneCounts()) - before, jobs.length, 'each job evaluated exactly once across both restarts')
  await t.rejects(async () => {
    for await (const _ of third.attachRound('never-submitted')) break
  }, /round never-submitted: unknown/)
})

t.test('a worker killed mid-job, and one stopped with SIGTERM: every job has one result', async (t) => {
  // Jobs on a fake Hugging Face hub whose next downloads stall, so a worker is caught
  // mid-job for certain; a prefix of their own keeps the LocalHub workers away.
  const hub = await FakeHfHub.start({ lfsThreshold: 1 << 30 })
  t.teardown(() => hub.close())
  const fromLocal = await Promise.all(jobs.slice(0, 4).map(async (j) => ({ j, body: await fx.hub.openFile({ type: 'dataset', name: j.repo }, j.sha, j.path, new AbortController().signal) })))
  const hfJobs = []
  for (const { j, body } of fromLocal) {
    const chunks: Uint8Array[] = []
    for await (const c of body.body) chunks.push(c)
    hfJobs.push({ ...j, sha: hub.seed('dataset', j.repo, { [j.path]: Buffer.concat(chunks) }) })
  }
  hub.fault('resolve', { kind: 'stall' }, 2)
  const prefix = 'killtest'
  const spawnWorker = (name: string) =>
    new WorkerProcess([...workerArgs(fx, { redisUrl: redis.url, name, hub: ['--hub.url', hub.url], cacheDir: join(fx.dir, `cache-${name}`) }), '--queue.prefix', prefix], { HF_TOKEN: '' })
  const coordinator = new EvaluationQueue({ redisUrl: redis.url, prefix, ...fast })
  t.teardown(() => coordinator.close())
  const round = { id: 'kill', jobs: hfJobs }
  const store = new Redis(redis.url, { maxRetriesPerRequest: null })
  const bull = new Queue(queueNameFor(fx.configId), { connection: store, prefix })
  t.teardown(async () => {
    await bull.close()
    await store.quit()
  })

  const stopped = spawnWorker('stopped')
  t.teardown(() => stopped.kill('SIGKILL'))
  await stopped.waitFor((l) => l.msg === 'worker ready', 'ready')
  await coordinator.submitRound(round)
  const firstJob = (await stopped.waitFor((l) => l.msg === 'evaluating', 'a job')).jobId
  await stopped.until(() => hub.count('resolve') >= 1, 'its download to start')
  t.equal(await stopped.kill('SIGTERM'), 0, 'SIGTERM: a clean exit')
  t.ok(stopped.lines.some((l) => l.msg === 'shutting down: job handed back to the queue' && l.jobId === firstJob), 'it handed its job back')
  const handedBack = await bull.getJob(firstJob as string)
  t.equal(await handedBack?.getState(), 'waiting', 'the job is back in the queue at once')
  t.equal(handedBack?.attemptsMade, 0, 'handing a job back is not a failed attempt')

  const killed = spawnWorker('killed')
  t.teardown(() => killed.kill('SIGKILL'))
  const secondJob = (await killed.waitFor((l) => l.msg === 'evaluating', 'a job')).jobId
  await killed.until(() => hub.count('resolve') >= 2, 'its download to start')
  await killed.kill('SIGKILL')

  const survivor = spawnWorker('survivor')
  t.teardown(() => survivor.kill('SIGKILL'))
  const results: EvaluationResult[] = []
  for await (const r of coordinator.runRound(round)) results.push(r)
  t.same(new Set(results.map((r) => r.jobId)), new Set(round.jobs.map((j) => jobIdFor('kill', j))), 'no result lost')
  t.equal(results.length, hfJobs.length, 'no result twice')
  t.equal(await store.hlen(`${prefix}:round:kill:results`), hfJobs.length, 'one stored result per job')
  const starts = (id: unknown) => [stopped, killed, survivor].flatMap((w) => w.lines).filter((l) => l.msg === 'evaluating' && l.jobId === id).length
  for (const r of results) {
    t.match(r, { status: 'scored', worker: 'survivor' }, `${r.hotkey} finished by the survivor`)
    t.equal(r.attempts, starts(r.jobId), `${r.hotkey}: attempts count every start`)
  }
  t.ok(results.find((r) => r.jobId === firstJob)!.attempts >= 2, 'the handed-back job ran again')
  t.ok(results.find((r) => r.jobId === secondJob)!.attempts >= 2, 'the killed worker\'s job ran again elsewhere')
  t.notOk(killed.lines.some((l) => l.msg === 'job done'), 'the killed worker finished nothing')
  const expected = await inProcessRound('kill', new HubCache({ hub: new HfHub({ hubUrl: hub.url, env: {}, envFile: '/nonexistent' }), cacheDir: join(fx.dir, 'cache-hf-local') }), hfJobs)
  const byId = new Map(results.map((r) => [r.jobId, comparable(r)]))
  t.same(expected.map((r) => byId.get(r.jobId)), expected.map(comparable), 'the same results as in-process')
})
