// The evaluator without Redis: one job per device slot, results once per job, bounded
// retries with backoff for failures that may pass, no retry for dataset problems.
import { join } from 'node:path'

import t from 'tap'

import { FlockMetrics } from '../../lib/metrics/index.js'
import { type Hub, HubCache, HubServerError, type RepoRef } from '../../lib/hub/index.js'
import { InProcessEvaluator, jobIdFor, loadEvaluationResources } from '../../lib/evaluator/index.js'
import { makeQueueFixture, publishMiners } from '../helpers/queue-fixture.js'

/** Fails a repo's file info with HTTP 503 the first `failures` times it is asked. */
class FlakyHub implements Hub {
  readonly kind = 'flaky'
  readonly calls = new Map<string, number>()
  constructor(readonly inner: Hub, readonly flaky: Map<string, number>) {}
  ensureRepo: Hub['ensureRepo'] = (...a) => this.inner.ensureRepo(...a)
  commitFiles: Hub['commitFiles'] = (...a) => this.inner.commitFiles(...a)
  listFiles: Hub['listFiles'] = (...a) => this.inner.listFiles(...a)
  resolveRevision: Hub['resolveRevision'] = (...a) => this.inner.resolveRevision(...a)
  openFile: Hub['openFile'] = (...a) => this.inner.openFile(...a)
  async fileInfo(repo: RepoRef, sha: string, path: string, signal?: AbortSignal) {
    const n = (this.calls.get(repo.name) ?? 0) + 1
    this.calls.set(repo.name, n)
    if (n <= (this.flaky.get(repo.name) ?? 0)) throw new HubServerError('HTTP 503 from the test hub', { repo: repo.name, status: 503 })
    return this.inner.fileInfo(repo, sha, path, signal)
  }
}

const fx = await makeQueueFixture()
t.teardown(() => fx.cleanup())
const jobs = await publishMiners(fx, 4, '0x2a')
// miner0 fails once then works; miner1 always fails
const hub = new FlakyHub(fx.hub, new Map([['miner0/ds', 1], ['miner1/ds', 99]]))
const hubCache = new HubCache({ hub, cacheDir: join(fx.dir, 'cache'), retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1, deadlineMs: 10_000 } })
const resources = await loadEvaluationResources({ config: fx.config, devices: ['cpu', 'cpu'], hubCache, modelDir: fx.modelDir, evalPath: fx.evalPath, numThreads: 1 })
t.teardown(() => resources.dispose())

t.test('a round: each job once, retries bounded, dataset problems not retried', async (t) => {
  const metrics = new FlockMetrics({ defaultMetrics: false })
  const ev = new InProcessEvaluator({ resources, attempts: 3, backoffMs: 5, metrics })
  t.teardown(() => ev.close())
  const round = { id: 'r1', jobs: [...jobs, jobs[2]!] }
  const streamed = []
  for await (const r of ev.runRound(round)) streamed.push(r)
  t.equal(streamed.length, jobs.length, 'a job listed twice is one job')
  const results = await ev.evaluateRound(round)
  t.same(results.map((r) => r.hotkey), jobs.map((j) => j.hotkey), 'evaluateRound keeps the round\'s order')
  t.same(new Set(results), new Set(streamed), 'asking again returns the same results, evaluating nothing')
  const by = Object.fromEntries(results.map((r) => [r.hotkey, r]))

  t.match(by['5Hotkey0'], { status: 'scored', attempts: 2, evalLossDefinition: 'example-mean', datasetHash: /^[0-9a-f]{64}$/ }, 'a 503 is retried')
  t.equal(hub.calls.get('miner0/ds'), 2)
  t.match(by['5Hotkey1'], { status: 'ineligible', attempts: 3, reason: /^failed 3 attempt\(s\); last: E_HUB_SERVER: HTTP 503/ }, 'attempts are bounded')
  t.equal(hub.calls.get('miner1/ds'), 3)
  t.match(by['5Hotkey2'], { status: 'scored', attempts: 1, jobId: jobIdFor('r1', jobs[2]!) })
  t.match(by['5Hotkey4'], { status: 'ineligible', attempts: 1, reason: /^2 problem\(s\): line 4: / }, 'an invalid row is final at once')
  t.match(by['5Hotkey5'], { status: 'ineligible', attempts: 1, reason: /^E_HUB_NOT_FOUND: file not found/ })
  t.match(by['5Hotkey6'], { status: 'ineligible', attempts: 1, reason: /^E_HUB_TOO_LARGE: file is \d+ bytes, over the cap of 65536/ })
  for (const r of results) t.ok(r.device === 'cpu' && r.worker.endsWith(`:${process.pid}`) && r.seconds >= 0)
  for (const r of results.filter((x) => x.status === 'scored')) t.ok(Number.isFinite(r.evalLoss) && r.tokensPerSecond > 0)

  const text = await metrics.text()
  t.match(text, /flock_eval_jobs_done_total\{status="scored"\} 3\n/)
  t.match(text, /flock_eval_jobs_done_total\{status="ineligible"\} 4\n/)
  t.match(text, /flock_eval_jobs_failed_total\{retried="true"\} 3\n/, 'miner0 once, miner1 twice')
  t.match(text, /flock_eval_jobs_failed_total\{retried="false"\} 4\n/)
  t.match(text, /flock_eval_queue_jobs\{queue="in-process",state="active"\} 0\n/)
  t.match(text, /flock_gpu_memory_bytes\{device="cpu"\} 0\n/)
  t.match(text, /flock_eval_seconds_count\{status="scored"\} 3\n/)
})

t.test('the same seed gives the same losses on any slot; another seed others', async (t) => {
  const ev = new InProcessEvaluator({ resources, attempts: 1 })
  t.teardown(() => ev.close())
  const good = jobs.filter((j) => ['5Hotkey2', '5Hotkey3'].includes(j.hotkey))
  const a = await ev.evaluateRound({ id: 'same-a', jobs: good })
  const b = await ev.evaluateRound({ id: 'same-b', jobs: [...good].reverse() })
  const c = await ev.evaluateRound({ id: 'other', jobs: good.map((j) => ({ ...j, seed: 43 })) })
  t.same(b.map((r) => r.evalLoss).reverse(), a.map((r) => r.evalLoss))
  t.not(c[0]!.evalLoss, a[0]!.evalLoss)
})

t.test('jobs for another config, and a closed evaluator, are refused', async (t) => {
  const ev = new InProcessEvaluator({ resources })
  await t.rejects(ev.evaluateRound({ id: 'x', jobs: [{ ...jobs[0]!, configId: 'cfg-ffffffffffffffff' }] }), /configId: cfg-ffffffffffffffff, but this evaluator loaded config cfg-/)
  await t.rejects(ev.evaluateRound({ id: 'bad id', jobs }), /round id/)
  await ev.close()
  await t.rejects(ev.evaluateRound({ id: 'late', jobs }), /closed/)
})

t.test('an aborted wait stops waiting; the round can be asked for again', async (t) => {
  const ev = new InProcessEvaluator({ resources, attempts: 1 })
  t.teardown(() => ev.close())
  const ac = new AbortController()
  ac.abort()
  await t.rejects(ev.evaluateRound({ id: 'abort', jobs }, { signal: ac.signal }), /stopped waiting for round abort/)
  const all = await ev.evaluateRound({ id: 'abort', jobs })
  t.equal(all.length, jobs.length)
})
