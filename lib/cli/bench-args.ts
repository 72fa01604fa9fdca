/** flock-bench's command line: usage text and flag parsing into options for lib/bench. */
import { parseArgs } from 'node:util'

import { InvalidArgumentError } from '../errors.js'
import type { DatasetBenchOptions } from '../bench/dataset-bench.js'
import { parseBenchIsa, type BenchIsa } from '../bench/isa-env.js'
import type { BenchKind, BenchOptions } from '../bench/run.js'
import { SHAPE_NAMES, type BenchDtype } from '../bench/shapes.js'

export const BENCH_USAGE = `flock-bench — benchmark LoRA training and evaluation

Usage:
  flock-bench train   [--shape NAME] [--seq N] [--steps K] [--device cpu|cuda] [--threads T] [--dtype f32|bf16] [--seed S] [--json]
  flock-bench eval    (the same flags: times eval forward passes, one sequence each)
  flock-bench compare train|eval [the same flags] [--rounds R] [--isa native|avx2] [--python PATH] [--results DIR] [--no-record] [--profile] [--note TEXT] [--json]
  flock-bench dataset --model DIR|--shape tiny [--train FILE] [--eval FILE] [--steps K] [--threads T] [--seed S] [--reference [--python PATH]] [--json]

Shapes: ${SHAPE_NAMES.join(', ')} (random weights, written once to $FLOCK_BENCH_CACHE or ~/.cache/flock-bench).
Defaults: --shape qwen2.5-0.5b --seq 512 --steps 4 --device cpu --threads 0 (all cores) --dtype f32 --seed 1; compare: --rounds 3.
LoRA r 16, alpha 32, all seven target modules, dropout 0, AdamW lr 2e-4 (constant), one sequence per step.
Random token ids with the loss on the last 3/4 of each sequence; one untimed warm-up step before the timed ones.
compare runs ours and the HF transformers + PEFT reference (bench/reference/peft_bench.py) alternately,
with the Python of --python or $FLOCK_REF_PYTHON, and appends the record to bench/results/; --isa avx2 holds both
sides to AVX2 (FLOCK_CPU_ISA for ours; ATEN_CPU_CAPABILITY, ONEDNN_MAX_CPU_ISA, MKL_ENABLE_INSTRUCTIONS for PyTorch).
train and eval report model GFLOP/s and the fraction of the FP32 peak (cores × measured clock × FLOP/cycle of the ISA).
dataset times one evaluateDataset() run (load, read, tokenize, train, eval) on the reference chat dataset
in bench/data/ unless --train/--eval say otherwise; --steps replaces the competition's optimizer-step budget.
dataset --reference also trains HF transformers + PEFT (bench/reference/peft_dataset.py) on the same token sequences:
both sides keep every row, unshuffled, so they train on the same first rows, and report train and eval tokens/s.
`

export type BenchCommand =
  | { command: 'help' }
  | { command: 'version' }
  | { command: BenchKind; options: BenchOptions; json: boolean }
  | {
      command: 'compare'
      options: BenchOptions
      rounds: number
      python: string | undefined
      resultsDir: string | undefined
      record: boolean
      profile: boolean
      isa: BenchIsa
      note: string | undefined
      json: boolean
    }
  | { command: 'dataset'; options: DatasetBenchOptions; json: boolean }

export class UsageError extends InvalidArgumentError {}

const FLAGS = {
  shape: { type: 'string', default: 'qwen2.5-0.5b' },
  seq: { type: 'string', default: '512' },
  steps: { type: 'string', default: '4' },
  device: { type: 'string', default: 'cpu' },
  threads: { type: 'string', default: '0' },
  dtype: { type: 'string', default: 'f32' },
  seed: { type: 'string', default: '1' },
  json: { type: 'boolean', default: false },
  rounds: { type: 'string', default: '3' },
  python: { type: 'string' },
  results: { type: 'string' },
  'no-record': { type: 'boolean', default: false },
  profile: { type: 'boolean', default: false },
  isa: { type: 'string', default: 'native' },
  note: { type: 'string' },
  model: { type: 'string' },
  train: { type: 'string' },
  eval: { type: 'string' },
  reference: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const

/** Flags that belong to some commands only. */
const ONLY: Record<string, string[]> = {
  rounds: ['compare'],
  python: ['compare', 'dataset'],
  results: ['compare'],
  'no-record': ['compare'],
  profile: ['compare'],
  isa: ['compare'],
  note: ['compare'],
  model: ['dataset'],
  train: ['dataset'],
  eval: ['dataset'],
  reference: ['dataset'],
}

function parseIsa(text: string): BenchIsa {
  try {
    return parseBenchIsa(text)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

function int(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name}: expected a non-negative integer, got ${JSON.stringify(text)}`)
  return Number(text)
}

export function parseBenchArgs(argv: string[]): BenchCommand {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values: v, positionals: pos } = parsed
  if (v.version) return { command: 'version' }
  if (v.help || pos.length === 0) return { command: 'help' }
  const command = pos[0]!
  const given = new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]!))
  for (const [f, cmds] of Object.entries(ONLY))
    if (given.has(f) && !cmds.includes(command)) throw new UsageError(`--${f} belongs to ${cmds.map((c) => `'flock-bench ${c}'`).join(' or ')}, not '${command}'`)

  if (command === 'dataset') {
    if (pos.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(pos[1])}`)
    for (const f of ['seq', 'dtype', 'rounds']) if (given.has(f)) throw new UsageError(`--${f} does not apply to 'flock-bench dataset'`)
    const options: DatasetBenchOptions = {
      model: v.model,
      shape: given.has('shape') ? v.shape : undefined,
      train: v.train,
      eval: v.eval,
      device: v.device,
      threads: int('threads', v.threads),
      seed: int('seed', v.seed),
      steps: given.has('steps') ? int('steps', v.steps) : undefined,
      referencePython: v.reference ? (v.python ?? (process.env.FLOCK_REF_PYTHON || undefined)) : undefined,
    }
    if (v.reference && options.referencePython === undefined) throw new UsageError('dataset --reference: pass --python PATH or set FLOCK_REF_PYTHON (an interpreter with torch, transformers and peft)')
    if (!v.reference && v.python !== undefined) throw new UsageError('dataset: --python goes with --reference')
    if ((options.model === undefined) === (options.shape === undefined)) throw new UsageError('dataset: give --model DIR or --shape tiny')
    return { command, options, json: v.json }
  }
  let kind: string | undefined = command
  if (command === 'compare') kind = pos[1]
  else if (pos.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(pos[1])}`)
  if (kind !== 'train' && kind !== 'eval')
    throw new UsageError(command === 'compare' ? 'compare: say what to compare, train or eval' : `unknown command ${JSON.stringify(command)} (commands: train, eval, compare, dataset)`)
  if (command === 'compare' && pos.length > 2) throw new UsageError(`unexpected argument ${JSON.stringify(pos[2])}`)
  if (v.dtype !== 'f32' && v.dtype !== 'bf16') throw new UsageError(`--dtype: expected f32 or bf16, got ${JSON.stringify(v.dtype)}`)
  const options: BenchOptions = {
    kind,
    shape: v.shape,
    seq: int('seq', v.seq),
    steps: int('steps', v.steps),
    device: v.device,
    threads: int('threads', v.threads),
    dtype: v.dtype as BenchDtype,
    seed: int('seed', v.seed),
  }
  if (command !== 'compare') return { command: kind, options, json: v.json }
  return {
    command: 'compare',
    options,
    rounds: int('rounds', v.rounds),
    python: v.python,
    resultsDir: v.results,
    record: !v['no-record'],
    profile: v.profile,
    isa: parseIsa(v.isa),
    note: v.note,
    json: v.json,
  }
}
