// The JSON contract of `flock-bench train|eval --json` on the tiny shape, the
// readable table, and the errors a user can act on.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { parseBenchArgs } from '../../lib/cli/bench-args.js'
import { runBin } from '../helpers/bin.js'

const cache = await mkdtemp(join(tmpdir(), 'flock-bench-cli-'))
t.teardown(() => rm(cache, { recursive: true, force: true }))

interface Ran {
  code: number
  stdout: string
  stderr: string
}

export async function bench(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const r = await runBin('flock-bench', args, { env: { FLOCK_BENCH_CACHE: cache, ...env }, timeoutMs: 600_000 })
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr }
}

const CONTRACT: Record<string, string> = {
  kind: 'string',
  impl: 'string',
  device: 'string',
  shape: 'string',
  dtype: 'string',
  seq: 'number',
  steps: 'number',
  warmup_steps: 'number',
  tokens: 'number',
  seconds: 'number',
  tokens_per_s: 'number',
  peak_rss_mb: 'number',
  threads: 'number',
  loss: 'number',
  loss_mask: 'string',
  lora: 'object',
  build: 'string',
  machine: 'object',
}

for (const kind of ['train', 'eval'] as const) {
  t.test(`${kind} --json prints one object with the contract's keys`, async (t) => {
    const r = await bench([kind, '--shape', 'tiny', '--seq', '24', '--steps', '3', '--threads', '1', '--json'])
    t.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    t.equal(lines.length, 1, 'one line on stdout')
    const o = JSON.parse(lines[0]!) as Record<string, unknown>
    for (const [k, type] of Object.entries(CONTRACT)) t.equal(typeof o[k], type, `${k} is a ${type}`)
    t.match(o, { kind, impl: 'flock', device: 'cpu', shape: 'tiny', dtype: 'f32', seq: 24, steps: 3, warmup_steps: 1, tokens: 72, threads: 1 })
    t.equal((o.step_seconds as number[]).length, 3, 'three timed steps, the warm-up not among them')
    t.ok((o.seconds as number) > 0 && (o.peak_rss_mb as number) > 0 && (o.cpu_seconds as number) > 0)
    t.ok(Math.abs((o.tokens_per_s as number) * (o.seconds as number) - 72) < 1e-6, 'tokens_per_s = tokens / seconds')
    const sum = (o.step_seconds as number[]).reduce((a, b) => a + b, 0)
    t.ok(Math.abs(sum - (o.seconds as number)) < 1e-9, 'seconds is the sum of the timed steps')
    t.match(o.lora, { r: 16, alpha: 32, dropout: 0, target_modules: 'all-linear', optimizer: 'adamw' })
    t.notOk('peak_gpu_mb' in o, 'no GPU figure on the CPU')
    const peak = o.peak as { isa: string; peak_gflops: number; cores: number; ghz: number; flops_per_cycle: number; method: string }
    t.match(peak, { cores: 1, method: /cores × clock × FLOP\/cycle/ })
    t.ok(['avx512', 'avx2', 'scalar'].includes(peak.isa), peak.isa)
    t.ok(Math.abs(peak.peak_gflops - peak.cores * peak.ghz * peak.flops_per_cycle) < 0.1 * peak.ghz, 'peak = cores × GHz × FLOP/cycle')
    t.ok(Math.abs((o.gflops as number) - (o.tokens_per_s as number) * (o.model_gflop_per_token as number)) < 1e-9, 'GFLOP/s = tokens/s × GFLOP per token')
    t.ok(Math.abs((o.peak_fraction as number) - (o.gflops as number) / peak.peak_gflops) < 1e-12)
    t.ok(Number.isFinite(o.loss), 'a finite loss')
    if (kind === 'train') t.ok(Number.isFinite(o.warmup_loss), 'the warm-up loss is reported')
    else t.equal(o.warmup_loss, null)
  })
}

t.test('without --json: a readable table; --dtype bf16 runs on BF16 weights', async (t) => {
  const r = await bench(['train', '--shape', 'tiny', '--seq', '16', '--steps', '1', '--threads', '1', '--dtype', 'bf16'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^kind\s+train$/m)
  t.match(r.stdout, /^tokens_per_s\s+[\d.]+$/m)
  t.match(r.stdout, /"weight_dtype":"BF16"/)
})

t.test('errors name what to do', async (t) => {
  // a build without the CUDA plugin: the backend loader says so and how to build it
  const cuda = await bench(['train', '--shape', 'tiny', '--device', 'cuda', '--json'], { FLOCK_CUDA_LIBRARY: '/nonexistent/libflock_cuda.so' })
  t.equal(cuda.code, 1)
  t.match(cuda.stderr, /the CUDA backend is not available \(libflock_cuda\.so not loaded: .*Build it where nvcc is present/)
  t.equal(cuda.stdout, '')
  const shape = await bench(['eval', '--shape', 'gpt2'])
  t.equal(shape.code, 1)
  t.match(shape.stderr, /unknown shape "gpt2"/)
  const usage = await bench(['train', '--seq', 'many'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /--seq: expected a non-negative integer/)
  const help = await bench(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /flock-bench compare train\|eval/)
})

t.test('compare end to end: our real run against a stand-in Python, recorded', async (t) => {
  // Called as `PYTHON peft_bench.py --mode train ...`, like the real interpreter.
  const python = join(cache, 'fake-python')
  await writeFile(
    python,
    `#!/usr/bin/env node
const [script, ...a] = process.argv.slice(2)
if (!script.endsWith('bench/reference/peft_bench.py')) process.exit(9)
const f = (k) => a[a.indexOf(k) + 1]
const seq = +f('--seq'), steps = +f('--steps')
console.log(JSON.stringify({ kind: f('--mode'), impl: 'peft', device: 'cpu', shape: f('--shape'), dtype: f('--dtype'), seq, steps, warmup_steps: 1,
  tokens: seq * steps, seconds: 2, tokens_per_s: seq * steps / 2, peak_rss_mb: 700, threads: +f('--threads'), loss: 7, warmup_loss: 8 }))
`,
  )
  await chmod(python, 0o755)
  const results = join(cache, 'results')
  const r = await bench(['compare', 'train', '--shape', 'tiny', '--seq', '16', '--steps', '2', '--threads', '1', '--rounds', '1', '--python', python, '--results', results])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, /round 1 ours .* tokens\/s/)
  t.match(r.stdout, /^speed_ratio\s+[\d.]+$/m)
  const rec = JSON.parse((await readFile(join(results, 'train.jsonl'), 'utf8')).trim())
  t.same(rec.runs.map((x: { impl: string }) => x.impl), ['ours', 'reference'])
  t.equal(rec.runs[0].result.impl, 'flock')
  t.equal(rec.summary.speed_ratio, rec.runs[0].result.tokens_per_s / 16)
  t.match(rec.command, /^flock-bench compare train --shape tiny/)
})

t.test('flag parsing', async (t) => {
  t.match(parseBenchArgs(['train']), { command: 'train', options: { shape: 'qwen2.5-0.5b', seq: 512, steps: 4, threads: 0, dtype: 'f32', device: 'cpu', seed: 1 }, json: false })
  t.match(parseBenchArgs(['compare', 'eval', '--rounds', '5', '--python', '/x/python', '--no-record']), {
    command: 'compare',
    options: { kind: 'eval' },
    rounds: 5,
    python: '/x/python',
    record: false,
  })
  t.match(parseBenchArgs(['compare', 'train']), { isa: 'native' })
  t.match(parseBenchArgs(['compare', 'train', '--isa', 'avx2']), { isa: 'avx2' })
  t.throws(() => parseBenchArgs(['compare', 'train', '--isa', 'sse4']), /--isa: expected native or avx2, got "sse4"/)
  t.throws(() => parseBenchArgs(['train', '--isa', 'avx2']), /--isa belongs to 'flock-bench compare'/)
  t.throws(() => parseBenchArgs(['compare']), /say what to compare, train or eval/)
  t.throws(() => parseBenchArgs(['train', '--rounds', '2']), /--rounds belongs to 'flock-bench compare'/)
  t.throws(() => parseBenchArgs(['train', '--dtype', 'fp16']), /--dtype: expected f32 or bf16/)
  t.throws(() => parseBenchArgs(['bogus']), /unknown command "bogus"/)
  t.throws(() => parseBenchArgs(['train', '--what']), /Unknown option '--what'/)
})
