// The reference chat dataset: valid, small, rebuilt byte for byte by its script,
// and `flock-bench dataset` timing a whole evaluateDataset run on it.
import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

import { buildReferenceDataset, toJsonl } from '../../bench/data/reference-dataset.js'
import { referenceDatasetPaths } from '../../lib/bench/index.js'
import { validateDataset } from '../../lib/index.js'
import { binPath } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'

const paths = referenceDatasetPaths()

t.test('the shipped files are valid subnet datasets of a few hundred rows, under 1 MB together', async (t) => {
  t.equal(paths.train, join(repoRoot, 'bench', 'data', 'reference-train.jsonl'))
  const train = await validateDataset({ path: paths.train })
  const evalSet = await validateDataset({ path: paths.eval })
  t.match(train, { ok: true, rowCount: 300, issues: [] })
  t.match(evalSet, { ok: true, rowCount: 200, issues: [] })
  t.ok((await stat(paths.train)).size + (await stat(paths.eval)).size < 1_000_000)
  const first = JSON.parse((await readFile(paths.train, 'utf8')).split('\n')[0]!)
  t.same(Object.keys(first), ['system', 'conversations'], 'the subnet row layout')
})

t.test('the script rebuilds them byte for byte; eval passages are not in the train split', async (t) => {
  const built = buildReferenceDataset()
  t.equal(toJsonl(built.train), await readFile(paths.train, 'utf8'))
  t.equal(toJsonl(built.eval), await readFile(paths.eval, 'utf8'))
  const trainText = JSON.stringify(built.train)
  const evalAnswers = built.eval.flatMap((r) => r.conversations.filter((m) => m.role === 'assistant' && m.content.length > 80).map((m) => m.content))
  t.ok(evalAnswers.length > 50)
  t.equal(evalAnswers.filter((a) => trainText.includes(JSON.stringify(a).slice(1, -1))).length, 0)
  const kinds = new Set(built.train.map((r) => r.conversations.length))
  t.same([...kinds].sort(), [2, 4], 'single- and two-turn conversations')
  t.ok(built.train.some((r) => r.system !== null) && built.train.some((r) => r.system === null), 'with and without a system prompt')
})

t.test('flock-bench dataset times load, read, tokenize, train and eval', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flock-bench-dataset-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const take = async (from: string, n: number, to: string) => writeFile(to, (await readFile(from, 'utf8')).split('\n').slice(0, n).join('\n') + '\n')
  await take(paths.train, 12, join(dir, 'train.jsonl'))
  await take(paths.eval, 6, join(dir, 'eval.jsonl'))
  const args = [binPath('flock-bench'), 'dataset', '--shape', 'tiny', '--train', join(dir, 'train.jsonl'), '--eval', join(dir, 'eval.jsonl'), '--steps', '2', '--threads', '1', '--json']
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: repoRoot, env: { ...process.env, FLOCK_BENCH_CACHE: join(dir, 'cache') } })
  const r = JSON.parse(stdout)
  t.match(r, { kind: 'dataset', device: 'cpu', threads: 1, optimizer_steps: 2, budget: { rowsAvailable: 12 } })
  const b = r.breakdown_seconds as Record<string, number>
  t.same(Object.keys(b), ['load', 'read', 'tokenize', 'train', 'eval'])
  const parts = Object.values(b).reduce((x, y) => x + y, 0)
  t.ok(parts <= r.seconds + 0.005, `the parts (${parts}) fit in the whole (${r.seconds})`)
  t.ok(r.train_tokens > 0 && r.eval_tokens > 0 && r.peak_rss_mb > 0 && Number.isFinite(r.eval_loss))
  const bad = await promisify(execFile)(process.execPath, [binPath('flock-bench'), 'dataset', '--shape', 'qwen2.5-0.5b'], { cwd: repoRoot }).catch((e) => e)
  t.equal(bad.code, 1)
  t.match(bad.stderr, /has random weights and no tokenizer; pass --model DIR/)
})

// A stand-in for bench/reference/peft_dataset.py: it reports what it was handed, so the
// test sees whether the reference got the rows ours trained on.
const FAKE_PEFT = `
import json, sys
args = sys.argv[1:]
job = json.load(open(args[args.index('--sequences') + 1]))
assert args[0].endswith('peft_dataset.py'), args[0]
n = job['training']['steps'] * job['training']['grad_accum']
assert len(job['train']) == n and all(len(s['tokens']) == len(s['mask']) for s in job['train'] + job['eval'])
tt = sum(len(s['tokens']) for s in job['train'])
et = sum(len(s['tokens']) for s in job['eval'])
print('noise')
print(json.dumps({'kind': 'dataset', 'impl': 'peft', 'train_tokens': tt, 'train_seconds': 2.0, 'train_tokens_per_s': tt / 2.0,
                  'eval_tokens': et, 'eval_seconds': 1.0, 'eval_tokens_per_s': et / 1.0, 'lora': job['lora']}))
`

t.test('flock-bench dataset --reference hands the reference the rows ours trained on', { skip: hasPython3() ? false : 'no python3 here' }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flock-bench-dataset-ref-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const take = async (from: string, n: number, to: string) => writeFile(to, (await readFile(from, 'utf8')).split('\n').slice(0, n).join('\n') + '\n')
  await take(paths.train, 12, join(dir, 'train.jsonl'))
  await take(paths.eval, 5, join(dir, 'eval.jsonl'))
  // the stand-in is a Python program run as `python peft_dataset.py ...`: a wrapper script passes it the args
  const fake = join(dir, 'fake_peft.py')
  await writeFile(fake, FAKE_PEFT)
  const python = join(dir, 'python')
  await writeFile(python, `#!/bin/sh\nexec python3 ${fake} "$@"\n`, { mode: 0o755 })
  const args = [binPath('flock-bench'), 'dataset', '--shape', 'tiny', '--train', join(dir, 'train.jsonl'), '--eval', join(dir, 'eval.jsonl'),
    '--steps', '1', '--threads', '1', '--reference', '--python', python, '--json']
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: repoRoot, env: { ...process.env, FLOCK_BENCH_CACHE: join(dir, 'cache') } })
  const r = JSON.parse(stdout)
  t.equal(r.same_train_tokens, true, `both sides trained ${r.train_tokens} tokens`)
  t.equal(r.reference.eval_tokens, r.eval_tokens, 'the same eval sequences')
  t.match(r.reference.lora, { r: 16, alpha: 32, dropout: 0.1 }, 'the competition LoRA settings')
  t.match(r.config, /every row kept, not shuffled/)
  t.ok(Math.abs(r.train_speed_ratio - r.train_tokens_per_s / r.reference.train_tokens_per_s) < 1e-9)
  t.ok(Math.abs(r.eval_speed_ratio - r.eval_tokens_per_s / r.reference.eval_tokens_per_s) < 1e-9)
  const bad = await promisify(execFile)(process.execPath, [binPath('flock-bench'), 'dataset', '--shape', 'tiny', '--reference'], { cwd: repoRoot, env: { ...process.env, FLOCK_REF_PYTHON: '' } }).catch((e) => e)
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--reference: pass --python PATH or set FLOCK_REF_PYTHON/)
})

function hasPython3(): boolean {
  try {
    execFileSync('python3', ['-c', 'pass'])
    return true
  } catch {
    return false
  }
}
