// The default config validates and matches the live subnet's settings; every bad
// field gives a message naming it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import {
  CompetitionConfigError,
  competitionConfigJsonSchema,
  defaultCompetitionConfig,
  loadCompetitionConfig,
  mergeCompetitionConfig,
  parseCompetitionConfig,
  type CompetitionConfig,
} from '../../lib/index.js'

const clone = (): Record<string, any> => JSON.parse(JSON.stringify(defaultCompetitionConfig))

function problemsOf(value: unknown): string[] {
  try {
    parseCompetitionConfig(value)
  } catch (err) {
    if (err instanceof CompetitionConfigError) return err.problems
    throw err
  }
  throw new Error('expected the config to be rejected')
}

t.test('the default validates and carries the live subnet settings', async (t) => {
  const c = parseCompetitionConfig(clone())
  t.same(c, defaultCompetitionConfig)
  t.same(c.lora, { r: 16, alpha: 32, dropout: 0.1, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], useRslora: false })
  t.match(c.training, { learningRate: 2e-4, warmupSteps: 5, microBatchSize: 1, gradAccumSteps: 8, epochs: 2, maxSeqLen: 2048, lrSchedule: 'linear', adamBeta1: 0.9, adamBeta2: 0.999, adamEps: 1e-8, weightDecay: 0, maxGradNorm: 1 })
  t.equal(c.baseModel.repo, 'Qwen/Qwen2.5-1.5B-Instruct')
  t.ok(Object.isFrozen(defaultCompetitionConfig.training), 'the shared default cannot be mutated')
})

const cases: Array<[string, (c: Record<string, any>) => void, string]> = [
  ['version', (c) => (c.version = 2), 'version: must be 1, the only config version this package reads'],
  ['missing section', (c) => delete c.training, 'training: is required'],
  ['unknown top-level field', (c) => (c.extra = 1), 'extra: unknown field'],
  ['unknown nested field', (c) => (c.lora.rank = 8), 'lora.rank: unknown field'],
  ['base model revision', (c) => (c.baseModel.revision = 'main'), 'baseModel.revision: must be a full 40-character lowercase hex commit sha'],
  ['base model repo', (c) => (c.baseModel.repo = 'no-owner'), 'baseModel.repo: must be a Hugging Face repo id "owner/name"'],
  ['eval set file', (c) => (c.evalSet = { repo: 'a/b', revision: 'a'.repeat(40), file: '../x.jsonl' }), 'evalSet.file: must be a relative path inside the repo'],
  ['lora r', (c) => (c.lora.r = 0), 'lora.r: Too small: expected number to be >0'],
  ['lora r integer', (c) => (c.lora.r = 1.5), 'lora.r: Invalid input: expected int, received number'],
  ['lora dropout', (c) => (c.lora.dropout = 1), 'lora.dropout: Too big: expected number to be <1'],
  ['target module', (c) => (c.lora.targetModules = ['q_proj', 'lm_head']), 'lora.targetModules[1]: Invalid option'],
  ['target module twice', (c) => (c.lora.targetModules = ['q_proj', 'q_proj']), 'lora.targetModules: must not list a module twice'],
  ['learning rate type', (c) => (c.training.learningRate = '2e-4'), 'training.learningRate: Invalid input: expected number, received string'],
  ['schedule', (c) => (c.training.lrSchedule = 'step'), 'training.lrSchedule: Invalid option'],
  ['max seq len', (c) => (c.training.maxSeqLen = 1), 'training.maxSeqLen: Too small'],
  ['budget both', (c) => (c.budget.trainTokens = 1000), 'budget.optimizerSteps: set exactly one of optimizerSteps, trainTokens and stepsFromEpochs'],
  ['budget none', (c) => delete c.budget.optimizerSteps, 'budget.optimizerSteps: set exactly one of optimizerSteps, trainTokens and stepsFromEpochs'],
  ['budget rows', (c) => (c.budget.maxTrainRows = -1), 'budget.maxTrainRows: Too small'],
  ['dataset min > max', (c) => (c.dataset.minRows = c.dataset.maxRows + 1), 'dataset.minRows: must not exceed maxRows'],
  ['dataset depth', (c) => (c.dataset.maxDepth = 2), 'dataset.maxDepth: Too small'],
  ['scoring scheme', (c) => (c.scoring.scheme = 'best'), 'scoring.scheme: Invalid option'],
  ['epsilon order', (c) => (c.scoring.epsilonEnd = 0.5), 'scoring.epsilonEnd: must not exceed epsilonStart'],
  ['benchmark required', (c) => (c.scoring.scheme = 'benchmark'), 'scoring.benchmark: is required when scheme is "benchmark"'],
  ['benchmark curve', (c) => ((c.scoring.scheme = 'benchmark'), (c.scoring.benchmark = { loss: 3, minLoss: 1, maxLoss: 2, power: 2 })), 'scoring.benchmark.loss: must satisfy minLoss < loss < maxLoss'],
  ['temperature', (c) => (c.scoring.temperature = 0), 'scoring.temperature: Too small'],
]

for (const [name, mutate, expected] of cases) {
  t.test(`bad ${name}`, async (t) => {
    const c = clone()
    mutate(c)
    const problems = problemsOf(c)
    t.ok(problems.some((p) => p.startsWith(expected)), `${JSON.stringify(problems)} has "${expected}"`)
  })
}

t.test('all problems are listed together', async (t) => {
  const c = clone()
  c.lora.r = 0
  c.training.epochs = 0
  c.scoring.smoothingAlpha = 2
  const problems = problemsOf(c)
  t.equal(problems.length, 3)
  t.same(problems.map((p) => p.split(':')[0]), ['lora.r', 'training.epochs', 'scoring.smoothingAlpha'])
  t.throws(() => parseCompetitionConfig('nope'), { code: 'E_COMPETITION_CONFIG' })
})

t.test('loadCompetitionConfig reads a file strictly', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flock-cfg-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const good = join(dir, 'good.json')
  const eval_ = { repo: 'org/eval', revision: 'b'.repeat(40), file: 'data/eval.jsonl' }
  await writeFile(good, JSON.stringify({ ...clone(), evalSet: eval_ }, null, 2))
  const c = await loadCompetitionConfig(good)
  t.same(c.evalSet, eval_)
  const dup = join(dir, 'dup.json')
  await writeFile(dup, JSON.stringify(clone()).replace('"r":16', '"r":16,"r":8'))
  await t.rejects(loadCompetitionConfig(dup), { code: 'E_COMPETITION_CONFIG', message: /lora: duplicate key "r"/ })
  const bad = join(dir, 'bad.json')
  await writeFile(bad, JSON.stringify({ ...clone(), lora: { ...clone().lora, alpha: -1 } }))
  await t.rejects(loadCompetitionConfig(bad), { message: /bad\.json: 1 problem\(s\):\n {2}lora\.alpha: Too small/ })
  await t.rejects(loadCompetitionConfig(join(dir, 'missing.json')), { code: 'E_COMPETITION_CONFIG', message: /missing\.json: cannot read/ })
})

t.test('mergeCompetitionConfig merges sections field by field and validates', async (t) => {
  const m: CompetitionConfig = mergeCompetitionConfig(defaultCompetitionConfig, { training: { learningRate: 1e-4 }, budget: { optimizerSteps: undefined, trainTokens: 50_000 } })
  t.equal(m.training.learningRate, 1e-4)
  t.equal(m.training.epochs, 2)
  t.equal(m.budget.trainTokens, 50_000)
  t.equal(m.budget.maxTrainRows, 250)
  t.equal(defaultCompetitionConfig.training.learningRate, 2e-4, 'the default is untouched')
  t.throws(() => mergeCompetitionConfig(defaultCompetitionConfig, { lora: { r: -4 } }), { message: /lora\.r: Too small/ })
})

t.test('a JSON Schema is exported for the file format', async (t) => {
  const s = competitionConfigJsonSchema() as { properties: Record<string, any>; required: string[] }
  t.same(Object.keys(s.properties).sort(), Object.keys(defaultCompetitionConfig).sort())
  t.same(s.properties.training.properties.lrSchedule.enum, ['linear', 'cosine', 'constant'])
  t.ok(s.required.includes('baseModel'))
})
