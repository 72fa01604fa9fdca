/**
 * Queue test fixtures: a tiny model, an eval set, a small competition config, miners'
 * datasets on a LocalHub, and worker processes started through the worker CLI whose pino
 * lines (stderr) the tests can wait on.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type CompetitionConfig, defaultCompetitionConfig, mergeCompetitionConfig, writeTinyModel } from '../../lib/index.js'
import { competitionConfigId, type EvaluationJob } from '../../lib/evaluator/index.js'
import { datasetRepo, LocalHub, publishDataset } from '../../lib/hub/index.js'
import { colorRows, countingRows } from './chat-data.js'
import { binPath } from './bin.js'
import { repoRoot } from './paths.js'

export interface QueueFixture {
  dir: string
  modelDir: string
  evalPath: string
  configPath: string
  config: CompetitionConfig
  configId: string
  hubRoot: string
  hub: LocalHub
  cleanup(): void
}

export async function makeQueueFixture(options: { maxBytes?: number } = {}): Promise<QueueFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'flock-queue-'))
  const modelDir = join(dir, 'model')
  await writeTinyModel(modelDir, { arch: 'qwen2', seed: 1 })
  const evalPath = join(dir, 'eval.jsonl')
  writeFileSync(evalPath, countingRows(8, 100).map((r) => JSON.stringify(r)).join('\n') + '\n')
  const config = mergeCompetitionConfig(defaultCompetitionConfig, {
    name: 'queue-test',
    lora: { r: 4, alpha: 8, dropout: 0.1 },
    training: { learningRate: 2e-3, warmupSteps: 1, microBatchSize: 2, gradAccumSteps: 2, epochs: 2, maxSeqLen: 96 },
    budget: { maxTrainRows: 16, optimizerSteps: 4 },
    dataset: { ...defaultCompetitionConfig.dataset, maxBytes: options.maxBytes ?? 64 * 1024, maxLineBytes: 4096 },
  })
  const configPath = join(dir, 'config.json')
  writeFileSync(configPath, JSON.stringify(config, null, 2))
  const hubRoot = join(dir, 'hub')
  return {
    dir, modelDir, evalPath, configPath, config, configId: competitionConfigId(config), hubRoot, hub: new LocalHub(hubRoot),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n'

/**
 * A round's jobs: good datasets of two kinds, one with an invalid row (ineligible at once),
 * one naming a file the commit lacks (download refused) and one over the size cap.
 */
export async function publishMiners(fx: QueueFixture, count: number, seed: string): Promise<EvaluationJob[]> {
  const jobs: EvaluationJob[] = []
  const add = async (i: number, content: string, path = 'data.jsonl') => {
    const name = `miner${i}/ds`
    const pub = await publishDataset(fx.hub, { repo: datasetRepo(name), content })
    jobs.push({ hotkey: `5Hotkey${i}`, uid: i, repo: name, sha: pub.sha, path, configId: fx.configId, seed })
  }
  for (let i = 0; i < count; i++) await add(i, jsonl(i % 2 === 0 ? countingRows(12, 10 + i) : colorRows(12, 10 + i)))
  await add(count, jsonl([...countingRows(3, 1), { conversations: [{ role: 'assistant', content: 'no user turn' }] }]))
  await add(count + 1, jsonl(countingRows(4, 2)), 'missing.jsonl')
  await add(count + 2, jsonl(countingRows(2000, 3)))
  return jobs
}

export interface LogLine {
  msg: string
  [k: string]: unknown
}

export class WorkerProcess {
  readonly child: ChildProcess
  readonly lines: LogLine[] = []
  /** Everything the process printed on stdout (kept out of the TAP stream). */
  stdout = ''
  readonly exited: Promise<number | null>
  #listeners: Array<() => void> = []

  /** Runs the shipped CLI (dist/bin): `flock-validator worker` (default) or `flock-validator` itself. */
  constructor(args: string[], env: NodeJS.ProcessEnv = {}, program: 'worker' | 'validator' = 'worker') {
    this.child = spawn(process.execPath, [binPath('flock-validator'), ...(program === 'worker' ? ['worker'] : []), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += String(chunk)))
    let buf = ''
    this.child.stderr!.on('data', (chunk: Buffer) => {
      buf += String(chunk)
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        try {
          this.lines.push(JSON.parse(line) as LogLine)
        } catch {
          process.stderr.write(`[worker] ${line}\n`)
        }
        for (const l of this.#listeners) l()
      }
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => {
      resolve(code)
      for (const l of this.#listeners) l()
    }))
  }

  /** Resolves with the first log line that matches; rejects if the process exits first. */
  waitFor(match: (l: LogLine) => boolean, what: string): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.lines.find(match)
        if (hit) {
          this.#listeners = this.#listeners.filter((l) => l !== check)
          resolve(hit)
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          this.#listeners = this.#listeners.filter((l) => l !== check)
          reject(new Error(`worker exited (${this.child.exitCode ?? this.child.signalCode}) before '${what}'; last lines:\n${this.lines.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`))
        }
      }
      this.#listeners.push(check)
      check()
    })
  }

  /** Resolves once `cond()` holds (checked every 20 ms); rejects if the process exits first. */
  async until(cond: () => boolean, what: string): Promise<void> {
    while (!cond()) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`worker exited before ${what}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
    return this.exited
  }
}

export interface WorkerArgsOptions {
  redisUrl: string
  name: string
  hub: string[]
  cacheDir: string
  devices?: string
  metricsPort?: number
}

export function workerArgs(fx: QueueFixture, o: WorkerArgsOptions): string[] {
  return [
    '--redis.url', o.redisUrl, '--worker.name', o.name, '--devices', o.devices ?? 'cpu', '--threads', '1',
    '--config', fx.configPath, '--model.dir', fx.modelDir, '--eval.path', fx.evalPath,
    ...o.hub, '--hub.cache-dir', o.cacheDir,
    '--queue.lock-ms', '1500', '--queue.stalled-interval-ms', '500',
    ...(o.metricsPort !== undefined ? ['--metrics.port', String(o.metricsPort)] : []),
  ]
}
