/**
 * Runs our bench and the reference alternately (ours, reference, ours, ...),
 * each in its own child process so each peak RSS is that run's alone, and
 * summarises the medians and their ratios.
 */
import { spawn } from 'node:child_process'

import type { SideEnvironment } from './isa-env.js'
import { parseBenchOutput, type BenchResult } from './result.js'
import type { BenchKind } from './run.js'
import { compareSummary, type CompareSummary } from './stats.js'
import type { BenchDtype } from './shapes.js'

export interface CompareSettings {
  kind: BenchKind
  shape: string
  seq: number
  steps: number
  threads: number
  dtype: BenchDtype
  seed: number
  rounds: number
}

export interface CompareOptions extends CompareSettings {
  /** argv that runs `flock-bench` (the subcommand and flags are appended) */
  oursCommand: string[]
  /** argv that runs the reference script (its flags are appended) */
  referenceCommand: string[]
  /** the model folder both sides load (ours finds it through FLOCK_BENCH_CACHE) */
  modelDir: string
  cacheRoot: string
  /** run ours with FLOCK_PROFILE=1 and keep its per-op breakdown */
  profile?: boolean
  /** variables added to each side's environment (an ISA restriction) */
  sideEnv?: SideEnvironment
  env?: NodeJS.ProcessEnv
  onRun?: (run: CompareRun) => void
}

export interface CompareRun {
  round: number
  impl: 'ours' | 'reference'
  result: BenchResult
  /** the whole child process, start-up and model load included */
  wall_seconds: number
  profile?: string
}

export interface CompareOutcome {
  runs: CompareRun[]
  summary: CompareSummary
}

export class CompareRunError extends Error {}

interface ChildOutput {
  stdout: string
  stderr: string
  seconds: number
}

/** Runs a benchmark child to its end; rejects with its exit and the tail of its stderr. */
export function runChild(argv: string[], env: NodeJS.ProcessEnv): Promise<ChildOutput> {
  const [cmd, ...args] = argv
  if (!cmd) return Promise.reject(new CompareRunError('empty command'))
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', (err) => reject(new CompareRunError(`${argv.join(' ')}: ${err.message}`)))
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr, seconds: (performance.now() - started) / 1000 })
      else reject(new CompareRunError(`${argv.join(' ')} exited with ${signal ?? code}\n${stderr.slice(-4000)}`))
    })
  })
}

/** The block the CPU backend prints under FLOCK_PROFILE=1, or undefined. */
export function extractProfile(stderr: string): string | undefined {
  const i = stderr.indexOf('[flock profile]')
  if (i < 0) return undefined
  const lines = stderr.slice(i).split('\n')
  const end = lines.findIndex((l, k) => k > 0 && !/^\s{2}\S/.test(l))
  return lines.slice(0, end < 0 ? undefined : end).join('\n')
}

export function oursArgs(s: CompareSettings): string[] {
  return [s.kind, '--shape', s.shape, '--seq', String(s.seq), '--steps', String(s.steps), '--threads', String(s.threads), '--dtype', s.dtype, '--seed', String(s.seed), '--device', 'cpu', '--json']
}

export function referenceArgs(s: CompareSettings, modelDir: string): string[] {
  return ['--mode', s.kind, '--model', modelDir, '--shape', s.shape, '--seq', String(s.seq), '--steps', String(s.steps), '--threads', String(s.threads), '--dtype', s.dtype, '--seed', String(s.seed)]
}

function checkSame(run: BenchResult, s: CompareSettings, who: string): void {
  const want = { kind: s.kind, shape: s.shape, seq: s.seq, steps: s.steps, dtype: s.dtype, threads: s.threads }
  for (const [k, v] of Object.entries(want))
    if ((run as Record<string, unknown>)[k] !== v) throw new CompareRunError(`${who} reported ${k} = ${JSON.stringify((run as Record<string, unknown>)[k])}, expected ${JSON.stringify(v)}`)
}

export async function runComparison(o: CompareOptions): Promise<CompareOutcome> {
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new RangeError(`rounds: expected a positive integer, got ${o.rounds}`)
  const baseEnv = { ...(o.env ?? process.env), OMP_NUM_THREADS: String(o.threads), MKL_NUM_THREADS: String(o.threads), FLOCK_BENCH_CACHE: o.cacheRoot }
  const runs: CompareRun[] = []
  for (let round = 1; round <= o.rounds; round++) {
    for (const impl of ['ours', 'reference'] as const) {
      const ours = impl === 'ours'
      const argv = ours ? [...o.oursCommand, ...oursArgs(o)] : [...o.referenceCommand, ...referenceArgs(o, o.modelDir)]
      const env = { ...baseEnv, ...(ours ? o.sideEnv?.ours : o.sideEnv?.reference), ...(ours && o.profile ? { FLOCK_PROFILE: '1' } : {}) }
      const out = await runChild(argv, env)
      let result: BenchResult
      try {
        result = parseBenchOutput(out.stdout)
      } catch (err) {
        throw new CompareRunError(`${argv.join(' ')}: unreadable output: ${(err as Error).message}`)
      }
      checkSame(result, o, impl)
      const profile = ours ? extractProfile(out.stderr) : undefined
      const run: CompareRun = { round, impl, result, wall_seconds: out.seconds, ...(profile ? { profile } : {}) }
      runs.push(run)
      o.onRun?.(run)
    }
  }
  const pick = (impl: CompareRun['impl']) => runs.filter((r) => r.impl === impl).map((r) => r.result)
  return { runs, summary: compareSummary(pick('ours'), pick('reference')) }
}
