// flock-miner preview before committing: the mean and range of evaluateDataset's loss over
// hypothetical seed draws (the seed validators use comes from the commitment's block, unknown
// yet); progress on stderr, the result on stdout; the model and eval set come from local
// folders or, by default, through the hub cache at pinned revisions. (After committing,
// preview equals the validator's loss: test/e2e/miners-then-validator.test.ts.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import {
  defaultCompetitionConfig, evaluateDataset, hashRows, hypotheticalEvaluationSeeds, mergeCompetitionConfig, writeTinyModel,
} from '../../lib/index.js'
import { countingRows } from '../helpers/chat-data.js'
import { FakeHfHub } from '../helpers/fake-hf-hub.js'
import { TOKEN } from '../helpers/hub-setup.js'
import { jsonl, runCli } from '../helpers/miner-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-miner-preview-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const small = mergeCompetitionConfig(defaultCompetitionConfig, {
  lora: { r: 4, alpha: 8, dropout: 0.1 },
  training: { learningRate: 2e-3, warmupSteps: 1, microBatchSize: 2, gradAccumSteps: 2, epochs: 2, maxSeqLen: 96 },
  budget: { maxTrainRows: 24, optimizerSteps: 6 },
})
const configPath = join(dir, 'competition.json')
writeFileSync(configPath, JSON.stringify(small))
const modelDir = join(dir, 'model')
const trainRows = countingRows(30, 11)
const trainPath = join(dir, 'train.jsonl')
writeFileSync(trainPath, jsonl(trainRows))
const evalPath = join(dir, 'eval.jsonl')
writeFileSync(evalPath, jsonl(countingRows(10, 100)))
const offline = ['preview', '--dataset_path', trainPath, '--model', modelDir, '--eval_path', evalPath, '--config', configPath, '--threads', '1']

const draws = hypotheticalEvaluationSeeds(3)
let drawLosses: number[] = []
/** the loss of the first draw, what `--seeds 1` prints */
let expectedLoss = 0
t.before(async () => {
  await writeTinyModel(modelDir, { arch: 'qwen2', seed: 1 })
  for (const seed of draws) {
    const direct = await evaluateDataset({ model: modelDir, train: { path: trainPath }, eval: { path: evalPath }, config: small, seed, numThreads: 1 })
    drawLosses.push(direct.evalLoss)
  }
  expectedLoss = drawLosses[0]!
})

t.test('offline, not committed: three seed draws, each evaluateDataset\'s loss to the last bit, their mean and range; JSON on stdout, progress on stderr', async (t) => {
  const r = await runCli([...offline, '--json'])
  t.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.same(out.runs, draws.map((seed, i) => ({ seed: seed.toString(), evalLoss: drawLosses[i] })), 'each draw gives evaluateDataset\'s loss for its seed')
  t.equal(out.evalLoss, (drawLosses[0]! + drawLosses[1]! + drawLosses[2]!) / 3, 'the mean')
  t.same([out.min, out.max], [Math.min(...drawLosses), Math.max(...drawLosses)])
  t.ok(new Set(drawLosses).size > 1, 'the seed matters: the draws differ')
  t.match(out, {
    evalLossDefinition: 'example-mean', evalLossMeaning: /assistant tokens/, baselineLoss: Number, seedSource: 'draws', commitment: null,
    validatorsLoss: false, notes: [/not looked up on chain \(give the wallet flags/],
    datasetHash: hashRows(trainRows), config: 'flock-default', device: 'cpu',
    budget: { optimizerSteps: 6, rowsAvailable: 30, rowsSampled: 24 },
    timings: { trainSeconds: Number, totalSeconds: Number },
    assets: { model: { kind: 'local', ref: modelDir }, eval: { kind: 'local', ref: evalPath } },
  })
  t.ok(out.baselineLoss > out.evalLoss, 'training on on-topic rows beats the untrained model')
  t.equal(r.stdout.trim().split('\n').length, 1, 'stdout holds the result and nothing else')
  const progress = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string })
  for (const run of [1, 2, 3]) t.ok(progress.some((l) => l.msg === `preview ${run}/3: train`) && progress.some((l) => new RegExp(`^preview ${run}/3: step \\d+/6$`).test(l.msg)), `progress lines of run ${run} on stderr`)

  const one = await runCli([...offline, '--json', '--seeds', '1'])
  t.same(JSON.parse(one.stdout).runs, [{ seed: draws[0]!.toString(), evalLoss: expectedLoss }], '--seeds 1: the first draw')
  const other = await runCli([...offline, '--json', '--seed', '7'])
  const given = JSON.parse(other.stdout)
  t.match(given, { runs: [{ seed: '7' }], seedSource: 'option', validatorsLoss: false })
  t.ok((given.notes as string[]).some((n) => /^--seed given: validators seed from the hash of your commitment's block/.test(n)), 'says --seed is not the validators\' seed')
  t.ok((given.notes as string[]).some((n) => /^--model .* is not the competition's base model/.test(n)), 'says --model is not the competition\'s model')
})

t.test('bad values: one line naming the flag, exit 2', async (t) => {
  for (const [flag, value] of [['--seeds', '0'], ['--seeds', '2.5'], ['--seed', '-1'], ['--threads', '-2']] as const) {
    const r = await runCli([...offline, flag, value])
    t.equal(r.code, 2, `${flag} ${value}`)
    t.match(r.stderr, new RegExp(`^flock-miner: ${flag} must be `), `${flag} ${value}: named`)
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line, not the whole help')
  }
})

t.test('on a terminal: a progress bar on stderr, the table on stdout', async (t) => {
  const r = await runCli(offline, { stderrTTY: true })
  t.equal(r.code, 0)
  t.match(r.stderr, /3\/3 train +\|[█░]+\| 6\/6 steps/, 'the bar of the last draw reached the last step')
  t.notMatch(r.stdout, /\|[█░]+\|/, 'no bar on stdout')
  const mean = drawLosses.reduce((a, b) => a + b, 0) / 3
  t.match(r.stdout, new RegExp(`^eval loss +${mean.toFixed(6)} mean of 3 seed draws \\(min ${Math.min(...drawLosses).toFixed(6)}, max ${Math.max(...drawLosses).toFixed(6)}\\)\n`))
  t.match(r.stdout, /\nseeds +[\d.]+, [\d.]+, [\d.]+: validators will compute one such draw, seeded by the hash of the block your commitment lands in\n/)
  t.match(r.stdout, /\ndefinition +example-mean: mean over eval examples/)
  t.match(r.stdout, /\nbaseline loss +\d+\.\d{6} \(the base model, untrained\)/)
  t.match(r.stdout, new RegExp(`\ndataset hash +${hashRows(trainRows)}\n`))
  t.match(r.stdout, /\nbudget +6 optimizer steps/)
  t.match(r.stdout, /\ntimings +load [\d.]+ s, .* total [\d.]+ s \(first run\)\n/)
})

t.test('by default the base model and eval set come from the hub at the config\'s pinned revisions, then from the cache', async (t) => {
  const server = await FakeHfHub.start({ token: TOKEN })
  t.teardown(() => server.close())
  const files = Object.fromEntries(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) => [f, readFileSync(join(modelDir, f))]))
  const modelSha = server.seed('model', 'tiny/base', { ...files, 'README.md': 'not needed' })
  const evalSha = server.seed('dataset', 'flock/eval', { 'eval/test.jsonl': readFileSync(evalPath) })
  server.seed('dataset', 'flock/eval', { 'eval/test.jsonl': jsonl(countingRows(3, 5)) }) // a later commit the pin must not see
  const pinned = join(dir, 'pinned.json')
  writeFileSync(pinned, JSON.stringify({ ...small, baseModel: { repo: 'tiny/base', revision: modelSha }, evalSet: { repo: 'flock/eval', revision: evalSha, file: 'eval/test.jsonl' } }))
  const argv = ['preview', '--dataset_path', trainPath, '--config', pinned, '--hub_url', server.url, '--cache_dir', join(dir, 'cache'), '--threads', '1', '--seeds', '1', '--json']
  const invalid = join(dir, 'invalid.jsonl')
  writeFileSync(invalid, 'nope\n')
  t.equal((await runCli(argv.map((a) => (a === trainPath ? invalid : a)), { env: { HF_TOKEN: TOKEN } })).code, 1)
  t.equal(server.requests.length, 0, 'an invalid dataset is refused before any download')
  const r = await runCli(argv, { env: { HF_TOKEN: TOKEN } })
  t.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.equal(out.evalLoss, expectedLoss, 'the same files give the same loss')
  t.same(out.assets.model, { kind: 'hub', ref: `tiny/base@${modelSha}` })
  t.same(out.assets.eval, { kind: 'hub', ref: `flock/eval@${evalSha}/eval/test.jsonl` })
  t.notOk(server.requests.some((q) => q.url.includes('README.md')), 'only the files a model needs')
  const downloads = server.count('resolve')
  const again = await runCli(argv, { env: { HF_TOKEN: TOKEN } })
  t.equal(JSON.parse(again.stdout).evalLoss, expectedLoss)
  t.equal(server.count('resolve'), downloads, 'the second preview downloads nothing')
})

t.test('no eval set anywhere, or an invalid dataset: exit 1 with the reason', async (t) => {
  const r = await runCli(['preview', '--dataset_path', trainPath, '--model', modelDir, '--config', configPath])
  t.equal(r.code, 1)
  t.match(r.stderr, /names no eval set .*flock-miner --eval_path.*\[E_NO_EVAL_SET\]/)
  const bad = join(dir, 'bad.jsonl')
  writeFileSync(bad, `${JSON.stringify(trainRows[0])}\n{"conversations": 3}\n`)
  const b = await runCli([...offline.map((a) => (a === trainPath ? bad : a)), '--json'])
  t.equal(b.code, 1)
  t.match(JSON.parse(b.stdout), { ok: false, error: { code: 'E_DATASET_INVALID', issues: [{ line: 2, field: 'conversations', code: 'E_SCHEMA' }] } })
  t.match(b.stderr, /invalid dataset: 1 problem\(s\)\n {2}line 2: conversations: /)
})
