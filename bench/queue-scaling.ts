/**
 * How a round's wall time scales with the number of queue workers (tiny model, CPU).
 * Starts its own redis-server, writes a tiny model and N miners' datasets to a local hub,
 * then times the same round in-process (one slot) and over 1, 2 and 4 worker processes
 * (one cpu slot and one CPU thread each). Worker start-up (model load) is not timed, and each
 * evaluator first runs a warm-up round (other seed) so JIT and first-touch costs are not timed.
 *
 *   node --loader ts-node/esm bench/queue-scaling.ts [--jobs 16] [--workers 1,2,4] [--steps 20]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { competitionConfigId, EvaluationQueue, InProcessEvaluator, loadEvaluationResources, type EvaluationJob } from '../lib/evaluator/index.js'
import { datasetRepo, HubCache, LocalHub, publishDataset } from '../lib/hub/index.js'
import { defaultCompetitionConfig, mergeCompetitionConfig, writeTinyModel } from '../lib/index.js'

const { values: opt } = parseArgs({ options: { jobs: { type: 'string', default: '16' }, workers: { type: 'string', default: '1,2,4' }, steps: { type: 'string', default: '20' } } })
const jobCount = Number(opt.jobs)
const workerCounts = opt.workers.split(',').map(Number)
const here = dirname(fileURLToPath(import.meta.url))
const fromSource = import.meta.url.endsWith('.ts')
const validatorBin = join(here, '..', 'bin', fromSource ? 'flock-validator.ts' : 'flock-validator.js')
const loader = fromSource ? ['--loader', 'ts-node/esm', '--no-warnings'] : []

function startRedis(port: number): Promise<ChildProcess> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error('redis-server is not installed: apt-get install -y redis-server')
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += String(c)
      if (out.includes('Ready to accept connections')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)))
  })
}

function startWorker(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...loader, validatorBin, 'worker', ...args], { env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] })
  return new Promise((resolve, reject) => {
    let buf = ''
    child.stderr!.on('data', (c: Buffer) => {
      buf += String(c)
      if (buf.includes('"msg":"worker ready"')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${buf.slice(-2000)}`)))
  })
}

const row = (c: unknown) => ({ system: null, conversations: [{ role: 'user', content: `What comes after ${c}?` }, { role: 'assistant', content: `${Number(c) + 1} comes after ${c}.` }] })
const jsonl = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify(row(from + i))).join('\n') + '\n'

const dir = mkdtempSync(join(tmpdir(), 'flock-bench-queue-'))
const port = 20000 + Math.floor(Math.random() * 20000)
const redis = await startRedis(port)
const redisUrl = `redis://127.0.0.1:${port}`
try {
  const modelDir = join(dir, 'model')
  await writeTinyModel(modelDir, { seed: 1, hiddenSize: 128, intermediateSize: 256, numLayers: 4, numHeads: 4, numKvHeads: 2 })
  const evalPath = join(dir, 'eval.jsonl')
  writeFileSync(evalPath, jsonl(200, 16))
  const config = mergeCompetitionConfig(defaultCompetitionConfig, {
    name: 'bench-queue', lora: { r: 8, alpha: 16 },
    training: { microBatchSize: 2, gradAccumSteps: 2, maxSeqLen: 128, warmupSteps: 2 },
    budget: { maxTrainRows: 32, optimizerSteps: Number(opt.steps) },
  })
  const configPath = join(dir, 'config.json')
  writeFileSync(configPath, JSON.stringify(config))
  const hubRoot = join(dir, 'hub')
  const hub = new LocalHub(hubRoot)
  const jobs: EvaluationJob[] = []
  for (let i = 0; i < jobCount; i++) {
    const pub = await publishDataset(hub, { repo: datasetRepo(`miner${i}/ds`), content: jsonl(i * 7, 32) })
    jobs.push({ hotkey: `hk${i}`, uid: i, repo: `miner${i}/ds`, sha: pub.sha, path: 'data.jsonl', configId: competitionConfigId(config), seed: 12345 })
  }
  const lines: string[] = []
  const report = (what: string, seconds: number, base?: number) => {
    const line = `| ${what} | ${seconds.toFixed(2)} | ${(jobCount / seconds).toFixed(2)} | ${base ? (base / seconds).toFixed(2) : '1.00'} |`
    lines.push(line)
    console.log(line)
  }
  console.log(`${jobCount} jobs, ${opt.steps} optimizer steps each; ${cpus()[0]?.model ?? 'cpu'} x ${availableParallelism()}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  const warmup = (id: string, n: number) => ({ id, jobs: jobs.slice(0, n).map((j) => ({ ...j, seed: 7 })) })
  console.log('| evaluator | round seconds | jobs/s | speed-up vs 1 worker |\n|---|---|---|---|')

  const resources = await loadEvaluationResources({ config, devices: ['cpu'], hubCache: new HubCache({ hub, cacheDir: join(dir, 'cache-local') }), modelDir, evalPath, numThreads: 1 })
  const local = new InProcessEvaluator({ resources })
  await local.evaluateRound(warmup('warm-local', 1))
  let t0 = performance.now()
  const localResults = await local.evaluateRound({ id: 'local', jobs })
  const localSeconds = (performance.now() - t0) / 1000
  await local.close()
  resources.dispose()

  let oneWorker: number | undefined
  const timings: string[] = []
  for (const n of workerCounts) {
    const workers = await Promise.all(
      Array.from({ length: n }, (_, i) => startWorker([
        '--redis.url', redisUrl, '--worker.name', `w${i}`, '--devices', 'cpu', '--threads', '1', '--config', configPath,
        '--model.dir', modelDir, '--eval.path', evalPath, '--hub.local', hubRoot, '--hub.cache-dir', join(dir, `cache-${n}-${i}`),
      ])),
    )
    const coordinator = new EvaluationQueue({ redisUrl, pollMs: 20 })
    await coordinator.evaluateRound(warmup(`warm-${n}`, 2 * n))
    t0 = performance.now()
    const results = await coordinator.evaluateRound({ id: `workers-${n}`, jobs })
    const seconds = (performance.now() - t0) / 1000
    await coordinator.close()
    for (const w of workers) w.kill('SIGTERM')
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))))
    const same = results.every((r, i) => r.status === 'scored' && r.evalLoss === localResults[i]!.evalLoss)
    if (!same) throw new Error(`${n} worker(s): results differ from the in-process round`)
    oneWorker ??= seconds
    report(`queue, ${n} worker process(es)`, seconds, oneWorker)
    const per = new Map<string, number>()
    for (const r of results) per.set(r.worker, (per.get(r.worker) ?? 0) + 1)
    timings.push(`${n}: jobs per worker ${[...per.values()].join('/')}`)
  }
  report('in-process, 1 slot (no Redis)', localSeconds, oneWorker)
  console.log(`\nresults equal the in-process round's in every run; ${timings.join('; ')}; load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
} finally {
  redis.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
