/**
 * `flock-bench compare`: writes the shape's model once, runs ours and the
 * PEFT reference alternately on it, and appends the record to bench/results/.
 */
import { existsSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'

import { InvalidArgumentError } from '../errors.js'
import { packageRoot } from '../native/load-addon.js'
import { runComparison, type CompareOutcome, type CompareRun } from './compare.js'
import { isaEnvironment, type BenchIsa } from './isa-env.js'
import { gitInfo, machineInfo } from './machine.js'
import { benchCacheRoot, ensureShapeModel } from './model-cache.js'
import { appendRecord, type CompareRecord } from './record.js'
import { checkDevice } from '../native/device.js'
import type { BenchOptions } from './run.js'
import { benchShape } from './shapes.js'

export interface CompareCommandOptions {
  options: BenchOptions
  rounds: number
  /** the reference's Python (else $FLOCK_REF_PYTHON) */
  python?: string | undefined
  /** argv prefix replacing `[python, bench/reference/peft_bench.py]` (tests use a fake) */
  referenceCommand?: string[]
  /** argv prefix that runs flock-bench itself */
  oursCommand: string[]
  /** default bench/results/ of this package; null: do not record */
  resultsDir?: string | null
  profile?: boolean
  /** hold both sides to one instruction set (default native: each picks the best it has) */
  isa?: BenchIsa
  note?: string | undefined
  /** how the comparison was asked for, recorded verbatim */
  commandLine: string
  env?: NodeJS.ProcessEnv
  onRun?: (run: CompareRun) => void
  onProgress?: (message: string) => void
}

export interface CompareCommandResult extends CompareOutcome {
  record: CompareRecord
  files: { jsonl: string; markdown: string } | null
}

const round2 = (x: number) => Math.round(x * 100) / 100

export function referenceScript(): string {
  return join(packageRoot(), 'bench', 'reference', 'peft_bench.py')
}

export async function compareCommand(c: CompareCommandOptions): Promise<CompareCommandResult> {
  const env = c.env ?? process.env
  if (checkDevice(c.options.device, '--device') !== 'cpu')
    throw new InvalidArgumentError(`compare: --device ${c.options.device}: both sides run on the CPU here (the PEFT reference script times the CPU); time the CUDA backend alone with flock-bench train|eval --device ${c.options.device}`)
  if (!Number.isInteger(c.rounds) || c.rounds < 1 || c.rounds > 100) throw new InvalidArgumentError(`--rounds: expected an integer in [1, 100], got ${c.rounds}`)
  let referenceCommand = c.referenceCommand
  if (!referenceCommand) {
    const python = c.python ?? env.FLOCK_REF_PYTHON
    if (!python) throw new InvalidArgumentError('compare: no reference Python; pass --python PATH or set FLOCK_REF_PYTHON (an interpreter with torch, transformers and peft)')
    if (python.includes('/') && !existsSync(python)) throw new InvalidArgumentError(`--python: ${python} does not exist`)
    referenceCommand = [python, referenceScript()]
  }
  // Both sides must run the same thread count, so "all cores" is made explicit.
  const threads = c.options.threads === 0 ? availableParallelism() : c.options.threads
  const settings = { ...c.options, threads }
  const cacheRoot = c.options.cacheRoot ?? benchCacheRoot(env)
  const model = await ensureShapeModel(benchShape(settings.shape), { dtype: settings.dtype, root: cacheRoot, ...(c.onProgress ? { onProgress: c.onProgress } : {}) })
  const isa = c.isa ?? 'native'
  const sideEnv = isaEnvironment(isa)
  const loadBefore = loadavg()
  const outcome = await runComparison({
    kind: settings.kind,
    shape: settings.shape,
    seq: settings.seq,
    steps: settings.steps,
    threads,
    dtype: settings.dtype,
    seed: settings.seed,
    rounds: c.rounds,
    oursCommand: c.oursCommand,
    referenceCommand,
    modelDir: model.dir,
    cacheRoot,
    profile: c.profile === true,
    sideEnv,
    env,
    ...(c.onRun ? { onRun: c.onRun } : {}),
  })
  const record: CompareRecord = {
    date: new Date().toISOString(),
    kind: settings.kind,
    command: c.commandLine,
    git: gitInfo(packageRoot()),
    machine: machineInfo(),
    settings: { kind: settings.kind, shape: settings.shape, seq: settings.seq, steps: settings.steps, threads, dtype: settings.dtype, seed: settings.seed, rounds: c.rounds, device: 'cpu', isa },
    commands: { ours: c.oursCommand, reference: referenceCommand },
    environment: { ...sideEnv, load_average: { before: loadBefore.map(round2), after: loadavg().map(round2) } },
    runs: outcome.runs,
    summary: outcome.summary,
    ...(c.note ? { note: c.note } : {}),
  }
  const dir = c.resultsDir === undefined ? join(packageRoot(), 'bench', 'results') : c.resultsDir
  const files = dir === null ? null : await appendRecord(dir, record)
  return { ...outcome, record, files }
}
