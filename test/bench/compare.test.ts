// The compare runner: alternation, ratio arithmetic, errors from a child, and the
// records it appends, with a fake reference command in place of PyTorch.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'

import {
  appendRecord,
  compareCommand,
  compareSummary,
  extractProfile,
  median,
  runComparison,
  type BenchResult,
  type CompareRecord,
  type CompareSettings,
} from '../../lib/bench/index.js'

async function tmp(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flock-bench-compare-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/**
 * A stand-in for either side: takes the flags of both (ours: `train --seq N ...`,
 * the reference: `--mode train --seq N ...`), logs its name, and prints a result
 * whose speed and memory come from its argv so the test knows the answer.
 */
const FAKE = `#!/usr/bin/env node
const [name, tps, rss, ...args] = process.argv.slice(2)
const flag = (f) => args[args.indexOf(f) + 1]
const kind = args.includes('--mode') ? flag('--mode') : args[0]
require('fs').appendFileSync(process.env.FAKE_LOG, name + '\\n')
if (process.env.FAKE_FAIL === name) { process.stderr.write('fake failure\\n'); process.exit(3) }
const seq = Number(flag('--seq')), steps = Number(flag('--steps'))
const round = require('fs').readFileSync(process.env.FAKE_LOG, 'utf8').split('\\n').filter((l) => l === name).length
const speed = Number(tps) * round
if (process.env.FAKE_ENV_LOG) require('fs').appendFileSync(process.env.FAKE_ENV_LOG, [name, ...['FLOCK_CPU_ISA', 'ATEN_CPU_CAPABILITY', 'ONEDNN_MAX_CPU_ISA', 'MKL_ENABLE_INSTRUCTIONS'].map((k) => process.env[k] || '-')].join(' ') + '\\n')
const work = name === 'ours' ? { model_gflop_per_token: 0.5, gflops: speed / 2, peak_fraction: speed / 800, peak: { isa: 'avx2', peak_gflops: 400, cores: 2, ghz: 4, flops_per_cycle: 50 } } : {}
console.log('noise before the result')
console.log(JSON.stringify({ kind, impl: name, device: 'cpu', shape: flag('--shape'), dtype: flag('--dtype'), seq, steps, warmup_steps: 1,
  tokens: seq * steps, seconds: seq * steps / speed, tokens_per_s: speed, peak_rss_mb: Number(rss), threads: Number(flag('--threads')),
  loss: 10 + round, warmup_loss: name === 'ours' ? 12 : 12.0012,
  step_seconds: [0.6 * seq * steps / speed, 0.4 * seq * steps / speed], cpu_seconds: (seq * steps / speed) * (name === 'ours' ? 2 : 4), ...work }))
process.stderr.write(process.env.FLOCK_PROFILE ? '[flock profile] 1.00 s in timed ops\\n  linear fwd   0.600 s  60.0%\\n  lora fwd   0.400 s  40.0%\\nafter\\n' : '')
`

const settings: CompareSettings = { kind: 'train', shape: 'tiny', seq: 8, steps: 2, threads: 1, dtype: 'f32', seed: 1, rounds: 3 }

async function fake(t: Test) {
  const dir = await tmp(t)
  const script = join(dir, 'fake.cjs')
  await writeFile(script, FAKE)
  await chmod(script, 0o755)
  return { dir, script, log: join(dir, 'log') }
}

t.test('median and ratios', async (t) => {
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 3, 2]), 2.5)
  t.throws(() => median([]), RangeError)
  const r = (tps: number, rss: number, warmup: number | null = 5) => ({ tokens_per_s: tps, peak_rss_mb: rss, loss: 1, warmup_loss: warmup }) as BenchResult
  const s = compareSummary([r(150, 900), r(100, 1000), r(120, 800)], [r(60, 1800), r(80, 2000)])
  t.equal(s.ours.median_tokens_per_s, 120)
  t.equal(s.reference.median_tokens_per_s, 70)
  t.equal(s.speed_ratio, 120 / 70)
  t.equal(s.memory_ratio, 900 / 1900)
  t.match(s.ours, { runs: 3, min_tokens_per_s: 100, max_tokens_per_s: 150, max_peak_rss_mb: 1000 })
  t.equal(s.warmup_loss_rel_diff, 0)
  t.equal(compareSummary([r(1, 1, null)], [r(1, 1, null)]).warmup_loss_rel_diff, null)
  t.equal(s.best_step_speed_ratio, null, 'no step times, no fastest-step figure')
  const stepped = (steps: number[]) => ({ ...r(1, 1), tokens: 20 * steps.length, steps: steps.length, step_seconds: steps }) as BenchResult
  const b = compareSummary([stepped([2, 1]), stepped([4, 0.5])], [stepped([2, 4]), stepped([5, 5])])
  t.equal(b.ours.best_step_tokens_per_s, 40, '20 tokens in the fastest step, 0.5 s')
  t.equal(b.reference.best_step_tokens_per_s, 10)
  t.equal(b.best_step_speed_ratio, 4)
})

t.test('runs alternate, each side in its own process, and the summary follows from the runs', async (t) => {
  const f = await fake(t)
  const out = await runComparison({
    ...settings,
    oursCommand: [process.execPath, f.script, 'ours', '100', '900'],
    referenceCommand: [process.execPath, f.script, 'peft', '40', '1800'],
    modelDir: '/models/tiny',
    cacheRoot: f.dir,
    profile: true,
    env: { ...process.env, FAKE_LOG: f.log },
  })
  t.same((await readFile(f.log, 'utf8')).trim().split('\n'), ['ours', 'peft', 'ours', 'peft', 'ours', 'peft'])
  t.same(
    out.runs.map((r) => [r.round, r.impl, r.result.tokens_per_s]),
    [
      [1, 'ours', 100],
      [1, 'reference', 40],
      [2, 'ours', 200],
      [2, 'reference', 80],
      [3, 'ours', 300],
      [3, 'reference', 120],
    ],
  )
  t.equal(out.summary.speed_ratio, 200 / 80)
  t.equal(out.summary.memory_ratio, 0.5)
  t.ok(Math.abs(out.summary.best_step_speed_ratio! - 2.5) < 1e-12, 'fastest steps: 300/0.8 against 120/0.8')
  t.ok(Math.abs(out.summary.warmup_loss_rel_diff! - 0.0012 / 12.0012) < 1e-12)
  t.equal(out.summary.ours.median_tokens_per_cpu_s, 100, 'tokens per CPU-second: half the speed when two CPU-seconds go to each second')
  t.equal(out.summary.reference.median_tokens_per_cpu_s, 20)
  t.equal(out.summary.cpu_speed_ratio, 5)
  t.equal(out.runs[0]!.profile, '[flock profile] 1.00 s in timed ops\n  linear fwd   0.600 s  60.0%\n  lora fwd   0.400 s  40.0%')
  t.equal(out.runs[1]!.profile, undefined, 'the reference has no profile')
  t.same(out.summary.work, {
    gflop_per_token: 0.5,
    peak_gflops: 400,
    peak_isa: 'avx2',
    ours_gflops: 100,
    reference_gflops: 40,
    ours_peak_fraction: 0.25,
    reference_peak_fraction: 0.1,
  }, 'the same work per token on both sides, against the peak ours measured')
})

t.test('--isa avx2 holds each side to AVX2 through its own variables; native changes nothing', async (t) => {
  const f = await fake(t)
  const envLog = join(f.dir, 'env-log')
  const run = (isa: 'native' | 'avx2') =>
    compareCommand({
      options: { kind: 'train', shape: 'tiny', seq: 8, steps: 2, device: 'cpu', threads: 1, dtype: 'f32', seed: 1, cacheRoot: join(f.dir, 'cache') },
      rounds: 1,
      isa,
      oursCommand: [process.execPath, f.script, 'ours', '100', '900'],
      referenceCommand: [process.execPath, f.script, 'peft', '50', '1000'],
      resultsDir: join(f.dir, 'results'),
      commandLine: `flock-bench compare train --isa ${isa}`,
      env: { ...process.env, FAKE_LOG: f.log, FAKE_ENV_LOG: envLog, FLOCK_CPU_ISA: '', ATEN_CPU_CAPABILITY: '', ONEDNN_MAX_CPU_ISA: '', MKL_ENABLE_INSTRUCTIONS: '' },
    })
  const held = await run('avx2')
  t.same((await readFile(envLog, 'utf8')).trim().split('\n'), ['ours avx2 - - -', 'peft - avx2 AVX2 AVX2'])
  t.match(held.record, {
    settings: { isa: 'avx2' },
    environment: { ours: { FLOCK_CPU_ISA: 'avx2' }, reference: { ATEN_CPU_CAPABILITY: 'avx2', ONEDNN_MAX_CPU_ISA: 'AVX2', MKL_ENABLE_INSTRUCTIONS: 'AVX2' } },
  })
  t.equal(held.record.environment?.load_average.before.length, 3)
  const md = await readFile(join(f.dir, 'results', 'SUMMARY.md'), 'utf8')
  t.match(md, /- ISA held to avx2: ours FLOCK_CPU_ISA=avx2; reference ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2/)
  t.match(md, /- load average \(1, 5, 15 min\) before [\d.]+ [\d.]+ [\d.]+, after [\d.]+ [\d.]+ [\d.]+ on \d+ CPUs/)
  t.match(md, /Work 0\.500 GFLOP per token \(model FLOPs\): ours 50\.0 GFLOP\/s = 12\.5%, reference 25\.0 GFLOP\/s = 6\.3% of the 400\.0 GFLOP\/s avx2 FP32 peak \(2 cores × 4 GHz measured × 50 FLOP\/cycle\)/)
  t.match(md, /\| 1 \| ours \| 100\.0 \| 50\.0 \|/, 'GFLOP/s per run')
  t.match(md, /Per CPU-second of each process \(steadier under load; time spent spin-waiting counts\): ours 50\.0 tokens, reference 12\.5 tokens, ratio 4\.00×/)
  await run('native')
  t.same((await readFile(envLog, 'utf8')).trim().split('\n').slice(2), ['ours - - - -', 'peft - - - -'])
})

t.test('a failing or mismatched child stops the comparison with its stderr', async (t) => {
  const f = await fake(t)
  const base = {
    ...settings,
    rounds: 1,
    oursCommand: [process.execPath, f.script, 'ours', '100', '900'],
    referenceCommand: [process.execPath, f.script, 'peft', '40', '1800'],
    modelDir: '/m',
    cacheRoot: f.dir,
  }
  await t.rejects(runComparison({ ...base, env: { ...process.env, FAKE_LOG: f.log, FAKE_FAIL: 'peft' } }), /exited with 3\nfake failure/)
  await t.rejects(runComparison({ ...base, referenceCommand: [process.execPath, '-e', 'console.log("{}")', '--'], env: { ...process.env, FAKE_LOG: f.log } }), /unreadable output/)
  await t.rejects(
    runComparison({ ...base, referenceCommand: [process.execPath, f.script, 'peft', '40', '1800', '--seq', '9'], env: { ...process.env, FAKE_LOG: f.log } }),
    /peft|reference reported seq = 9, expected 8/,
  )
})

t.test('extractProfile finds the block and stops at its end', async (t) => {
  t.equal(extractProfile('x\n[flock profile] 2.00 s in timed ops\n  a  1.0 s  50%\n  b  1.0 s  50%\n{"kind":1}\n'), '[flock profile] 2.00 s in timed ops\n  a  1.0 s  50%\n  b  1.0 s  50%')
  t.equal(extractProfile('nothing here'), undefined)
})

t.test('compareCommand writes the record: one JSON line per comparison and a markdown section', async (t) => {
  const f = await fake(t)
  const results = join(f.dir, 'results')
  const run = (note?: string) =>
    compareCommand({
      options: { kind: 'eval', shape: 'tiny', seq: 8, steps: 2, device: 'cpu', threads: 1, dtype: 'f32', seed: 1, cacheRoot: join(f.dir, 'cache') },
      rounds: 2,
      oursCommand: [process.execPath, f.script, 'ours', '100', '900'],
      referenceCommand: [process.execPath, f.script, 'peft', '50', '1000'],
      resultsDir: results,
      commandLine: 'flock-bench compare eval --shape tiny',
      note,
      env: { ...process.env, FAKE_LOG: f.log },
    })
  const first = await run('first')
  await run()
  const lines = (await readFile(join(results, 'eval.jsonl'), 'utf8')).trim().split('\n')
  t.equal(lines.length, 2, 'two comparisons, two lines')
  const rec = JSON.parse(lines[0]!) as CompareRecord
  t.match(rec, {
    kind: 'eval',
    command: 'flock-bench compare eval --shape tiny',
    settings: { kind: 'eval', shape: 'tiny', seq: 8, steps: 2, threads: 1, dtype: 'f32', rounds: 2, device: 'cpu' },
    summary: { speed_ratio: 2, memory_ratio: 0.9 },
    note: 'first',
  })
  t.equal(rec.runs.length, 4)
  t.match(rec.date, /^\d{4}-\d\d-\d\dT/)
  t.type(rec.machine.cpu_model, 'string')
  t.match(rec.git?.commit, /^[0-9a-f]{40}$/)
  t.same(first.files, { jsonl: join(results, 'eval.jsonl'), markdown: join(results, 'SUMMARY.md') })
  const md = await readFile(join(results, 'SUMMARY.md'), 'utf8')
  t.equal(md.match(/^# Benchmark results/gm)?.length, 1, 'the header once')
  t.equal(md.match(/^## .* · eval · tiny · seq 8 · 1 thread · f32$/gm)?.length, 2, 'a section per comparison')
  t.match(md, /\*\*Speed ratio 2\.00×\*\* \(ours 150\.0 tokens\/s, reference 75\.0 tokens\/s\)/)
  t.match(md, /\| 2 \| reference \| 100\.0 \|/)
  t.match(md, /- note: first/)
  t.match(md, /Fastest single step \(steadier on a shared machine\): ours 250\.0 tokens\/s, reference 125\.0 tokens\/s, ratio 2\.00×/)
  await t.rejects(appendRecord(results, { ...rec, kind: '../x' }), /plain word/)
})

t.test('compareCommand needs a Python for the real reference', async (t) => {
  const f = await fake(t)
  const options = { kind: 'train' as const, shape: 'tiny', seq: 8, steps: 1, device: 'cpu', threads: 1, dtype: 'f32' as const, seed: 1, cacheRoot: f.dir }
  await t.rejects(compareCommand({ options, rounds: 1, oursCommand: ['x'], commandLine: '', env: {} }), /pass --python PATH or set FLOCK_REF_PYTHON/)
  await t.rejects(compareCommand({ options, rounds: 1, python: '/no/such/python', oursCommand: ['x'], commandLine: '', env: {} }), /--python: \/no\/such\/python does not exist/)
  await t.rejects(compareCommand({ options: { ...options, device: 'cuda' }, rounds: 1, oursCommand: ['x'], commandLine: '' }), /compare: --device cuda: both sides run on the CPU here/)
})
