// The tiny-model writer: deterministic for a seed, loads in the native core,
// and computeLoss runs on rows tokenized with its own tokenizer.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'

import { loadBaseModel, loadChatTokenizer, writeTinyModel, type DatasetRow, type TinyArch } from '../../lib/index.js'
import { scriptPath } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'

const FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']

async function sameBytes(a: string, b: string): Promise<boolean> {
  return (await readFile(a)).equals(await readFile(b))
}

async function tmp(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flock-tiny-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const rows: DatasetRow[] = [
  { system: 'You are brief.', conversations: [{ role: 'user', content: 'What is the capital of France?' }, { role: 'assistant', content: 'Paris.' }] },
  { system: null, conversations: [{ role: 'user', content: 'Name a colour.' }, { role: 'assistant', content: 'Blue, like the sky.' }, { role: 'user', content: 'Thanks!' }, { role: 'assistant', content: 'You are welcome. 😀' }] },
]

t.test('same seed, same bytes; another seed, other weights and the same tokenizer', async (t) => {
  const base = await tmp(t)
  await writeTinyModel(join(base, 'a'), { seed: 5 })
  await writeTinyModel(join(base, 'b'), { seed: 5 })
  await writeTinyModel(join(base, 'c'), { seed: 6 })
  for (const f of FILES) t.ok(await sameBytes(join(base, 'a', f), join(base, 'b', f)), `${f} is the same for seed 5`)
  t.notOk(await sameBytes(join(base, 'a', 'model.safetensors'), join(base, 'c', 'model.safetensors')), 'seed 6 gives other weights')
  t.ok(await sameBytes(join(base, 'a', 'tokenizer.json'), join(base, 'c', 'tokenizer.json')), 'and the same tokenizer')
})

for (const arch of ['qwen2', 'llama'] as TinyArch[]) {
  t.test(`${arch}: loads with loadBaseModel and computeLoss runs on its tokenized rows`, async (t) => {
    const dir = await tmp(t)
    const info = await writeTinyModel(dir, { arch, seed: 1 })
    const tok = await loadChatTokenizer(dir)
    const model = await loadBaseModel(dir, { numThreads: 1 })
    t.teardown(() => model.dispose())
    t.equal(model.info.architecture, arch === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM')
    t.equal(model.info.vocabSize, info.vocabSize)
    t.equal(tok.maxTokenId, info.maxTokenId)
    t.ok(tok.maxTokenId < model.info.vocabSize, 'every token id the tokenizer emits is in the model vocabulary')
    const seqs = (await tok.tokenizeRows(rows)).sequences
    t.equal(seqs.length, 2)
    const r = await model.computeLoss(seqs, { logits: true })
    t.equal(r.numTargets, seqs[0]!.numTargets + seqs[1]!.numTargets)
    t.ok(Number.isFinite(r.meanLoss) && r.meanLoss > 0, `mean loss ${r.meanLoss}`)
    // weights are spread enough that the model is far from uniform
    const logits = r.logits!
    const v = model.info.vocabSize
    let spread = 0
    for (let p = 0; p < logits.length / v; p++) {
      const row = logits.subarray(p * v, (p + 1) * v)
      let mean = 0
      for (const x of row) mean += x / v
      let varr = 0
      for (const x of row) varr += (x - mean) ** 2 / v
      spread += Math.sqrt(varr)
    }
    spread /= logits.length / v
    t.ok(spread > 0.5, `logits std per position ${spread.toFixed(2)} > 0.5`)
  })
}

t.test('node dist/scripts/make-tiny-model.js writes what writeTinyModel writes', async (t) => {
  const base = await tmp(t)
  const { stdout } = await promisify(execFile)(process.execPath, [scriptPath('make-tiny-model'), join(base, 'cli'), '--arch', 'llama', '--seed', '3'], { cwd: repoRoot })
  t.match(stdout, /LlamaForCausalLM \(vocab \d+, max token id \d+\) written to /)
  await writeTinyModel(join(base, 'api'), { arch: 'llama', seed: 3 })
  for (const f of FILES) t.ok(await sameBytes(join(base, 'cli', f), join(base, 'api', f)), f)
  const bad = await promisify(execFile)(process.execPath, [scriptPath('make-tiny-model'), join(base, 'x'), '--arch', 'gpt2'], { cwd: repoRoot }).catch((e: { code: number; stderr: string }) => e)
  t.equal((bad as { code: number }).code, 2)
  t.match((bad as { stderr: string }).stderr, /usage: make-tiny-model OUTDIR/)
})
