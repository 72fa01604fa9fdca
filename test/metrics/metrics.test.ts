// The metrics endpoint: Prometheus text format over HTTP, the validator's counters through
// the helpers, and the job metrics.
import t from 'tap'

import { FlockMetrics, serveMetrics } from '../../lib/metrics/index.js'
import { HubNotFoundError } from '../../lib/hub/index.js'
import { InvalidArgumentError } from '../../lib/index.js'
import { samples } from '../helpers/prometheus.js'

t.test('served in the Prometheus text format on 127.0.0.1', async (t) => {
  const metrics = new FlockMetrics({ labels: { role: 'validator' } })
  const server = await serveMetrics(metrics, { port: 0 })
  t.teardown(() => server.close())
  t.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)

  metrics.recordWeightsSet()
  metrics.recordWeightsSet()
  metrics.recordChainError('setWeights')
  metrics.recordHubError(new HubNotFoundError('gone'))
  metrics.recordHubError(new Error('no code'))
  metrics.jobsRunning.inc({ device: 'cuda:1' })
  metrics.jobsDone.inc({ status: 'scored' })
  metrics.jobsFailed.inc({ retried: 'true' })
  metrics.evalSeconds.observe({ status: 'scored' }, 3.5)
  metrics.tokensPerSecond.set({ device: 'cpu' }, 1234.5)
  metrics.gpuMemoryBytes.set({ device: 'cpu' }, 0)

  const res = await fetch(server.url)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  for (const [name, type] of [
    ['flock_eval_queue_jobs', 'gauge'], ['flock_eval_jobs_running', 'gauge'], ['flock_eval_jobs_done_total', 'counter'],
    ['flock_eval_jobs_failed_total', 'counter'], ['flock_eval_seconds', 'histogram'], ['flock_eval_tokens_per_second', 'gauge'],
    ['flock_gpu_memory_bytes', 'gauge'], ['flock_weights_set_total', 'counter'], ['flock_chain_errors_total', 'counter'],
    ['flock_hub_errors_total', 'counter'], ['process_resident_memory_bytes', 'gauge'],
  ])
    t.match(text, new RegExp(`^# HELP ${name} .+\\n# TYPE ${name} ${type}$`, 'm'), `${name} is a ${type} with help`)
  t.match(text, /# HELP flock_gpu_memory_bytes .*always 0 on cpu devices/, 'the GPU gauge says what it reports on CPU')
  const s = samples(text)
  t.equal(s.get('flock_weights_set_total{role="validator"}'), 2)
  t.equal(s.get('flock_chain_errors_total{op="setWeights",role="validator"}'), 1)
  t.equal(s.get('flock_hub_errors_total{code="E_HUB_NOT_FOUND",role="validator"}'), 1)
  t.equal(s.get('flock_hub_errors_total{code="unknown",role="validator"}'), 1)
  t.equal(s.get('flock_eval_jobs_running{device="cuda:1",role="validator"}'), 1)
  t.equal(s.get('flock_eval_jobs_done_total{role="validator",status="scored"}'), 1)
  t.equal(s.get('flock_eval_jobs_failed_total{retried="true",role="validator"}'), 1)
  t.equal(s.get('flock_eval_seconds_bucket{le="5",role="validator",status="scored"}'), 1)
  t.equal(s.get('flock_eval_seconds_bucket{le="2",role="validator",status="scored"}'), 0)
  t.equal(s.get('flock_eval_seconds_sum{role="validator",status="scored"}'), 3.5)
  t.equal(s.get('flock_eval_tokens_per_second{device="cpu",role="validator"}'), 1234.5)
  t.equal(s.get('flock_gpu_memory_bytes{device="cpu",role="validator"}'), 0)

  metrics.recordWeightsSet()
  t.equal(samples(await (await fetch(server.url)).text()).get('flock_weights_set_total{role="validator"}'), 3, 'each scrape reads the live values')
  t.equal((await fetch(server.url.replace('/metrics', '/other'))).status, 404)
  t.equal((await fetch(server.url, { method: 'POST' })).status, 404)
})

t.test('bad ports are refused; a port in use is an error', async (t) => {
  const metrics = new FlockMetrics({ defaultMetrics: false })
  await t.rejects(serveMetrics(metrics, { port: -1 }), InvalidArgumentError)
  await t.rejects(serveMetrics(metrics, { port: 70000 }), InvalidArgumentError)
  const a = await serveMetrics(metrics, { port: 0 })
  t.teardown(() => a.close())
  await t.rejects(serveMetrics(metrics, { port: a.port }), { code: 'EADDRINUSE' })
})
