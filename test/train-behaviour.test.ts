// Determinism, cancellation, progress, settings validation and memory across
// many runs of trainAndEvaluate on a tiny model.
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'

import { CancelledError, InvalidArgumentError, loadBaseModel, ModelFileError, trainAndEvaluate } from '../lib/index.js'
import type { TrainAndEvaluateOptions } from '../lib/index.js'
import { referenceDir } from './helpers/paths.js'
import { randomSequences } from './helpers/random-sequences.js'

const modelDir = join(referenceDir, 'qwen2-tied-f32')
const train = randomSequences(16, 256, 1)
const evalSet = randomSequences(6, 256, 2)
const base: TrainAndEvaluateOptions = {
  train,
  eval: evalSet,
  lora: { r: 4, alpha: 8, dropout: 0.1 },
  training: { learningRate: 1e-3, warmupSteps: 2, epochs: 2, microBatchSize: 2, gradAccumSteps: 2 },
  seed: 42,
}

t.test('bitwise identical across runs and thread counts; the seed matters', async (t) => {
  const m1 = await loadBaseModel(modelDir, { numThreads: 1 })
  const m2 = await loadBaseModel(modelDir, { numThreads: 2 })
  t.teardown(() => (m1.dispose(), m2.dispose()))
  const a = await trainAndEvaluate(m2, base)
  const b = await trainAndEvaluate(m2, base)
  const c = await trainAndEvaluate(m1, base)
  t.same(a.trainLoss, b.trainLoss, 'two runs: same per-step losses')
  t.same(a.trainLoss, c.trainLoss, '1 and 2 threads: same per-step losses')
  t.equal(a.evalLoss, b.evalLoss)
  t.equal(a.evalLoss, c.evalLoss)
  t.equal(a.steps, 8, '16 sequences / (2 × 2) × 2 epochs')
  const d = await trainAndEvaluate(m2, { ...base, seed: 43 })
  t.not(d.evalLoss, a.evalLoss, 'another seed gives another init, dropout and data order')
  const e = await trainAndEvaluate(m2, { ...base, training: { ...base.training, shuffle: false } })
  t.not(e.trainLoss[0], a.trainLoss[0], 'file order differs from the seeded order')
  t.equal(a.evalLossDefinition, 'example-mean', 'default eval loss is the live validator definition')
  t.equal(a.evalLoss, a.eval.exampleMean)
})

t.test('a fresh adapter starts at the base model (B = 0) and training lowers the train loss', async (t) => {
  const m = await loadBaseModel(modelDir)
  t.teardown(() => m.dispose())
  const baseLoss = await m.computeLoss(evalSet)
  const r = await trainAndEvaluate(m, { ...base, evalBefore: true, lora: { ...base.lora, dropout: 0 }, training: { ...base.training, epochs: 6, learningRate: 3e-3 } })
  t.ok(Math.abs(r.evalBefore!.tokenMean - baseLoss.meanLoss) < 1e-6, `eval before training ${r.evalBefore!.tokenMean} = base model ${baseLoss.meanLoss}`)
  t.ok(r.trainLoss.at(-1)! < r.trainLoss[0]!, `train loss falls: ${r.trainLoss[0]} -> ${r.trainLoss.at(-1)}`)
  t.equal(r.device, 'cpu')
  t.ok(r.tokensPerSecond > 0 && r.trainTokens > 0 && r.peakWorkspaceBytes > 0 && r.peakRssBytes > 0)
  // rank 4 on all seven projections of 2 layers (H 64, q 64, kv 32, I 128): 2 × (512 + 384 + 384 + 512 + 3 × 768)
  t.equal(r.loraParameters, 8192)
})

t.test('progress reports every optimizer step and the eval', async (t) => {
  const m = await loadBaseModel(modelDir)
  t.teardown(() => m.dispose())
  const seen: string[] = []
  const steps: number[] = []
  const r = await trainAndEvaluate(m, {
    ...base,
    onProgress: (p) => {
      seen.push(p.phase)
      if (p.phase === 'train') steps.push(p.step)
    },
  })
  t.same(steps, Array.from({ length: r.steps }, (_, i) => i + 1))
  t.ok(seen.includes('eval'))
})

t.test('cancelling mid-run rejects within a second and the model stays usable', async (t) => {
  const m = await loadBaseModel(modelDir)
  t.teardown(() => m.dispose())
  const ac = new AbortController()
  let abortedAt = 0
  const run = trainAndEvaluate(m, {
    ...base,
    training: { ...base.training, maxSteps: 1_000_000 },
    onProgress: (p) => {
      if (p.step === 3 && abortedAt === 0) {
        abortedAt = performance.now()
        ac.abort()
      }
    },
    signal: ac.signal,
  })
  await t.rejects(run, CancelledError)
  const latency = performance.now() - abortedAt
  t.ok(latency < 1000, `rejected ${latency.toFixed(0)} ms after abort`)
  const after = await trainAndEvaluate(m, base)
  const fresh = await trainAndEvaluate(m, base)
  t.equal(after.evalLoss, fresh.evalLoss, 'the next run is unaffected')
  // already aborted: rejected before starting
  await t.rejects(trainAndEvaluate(m, { ...base, signal: AbortSignal.abort() }), CancelledError)
  // a throwing progress callback cancels the run and names the cause
  await t.rejects(
    trainAndEvaluate(m, { ...base, onProgress: () => { throw new Error('boom') } }),
    { name: 'CancelledError', message: /progress callback threw: boom/ },
  )
})

t.test('bad settings and inputs are clear errors naming the field', async (t) => {
  const m = await loadBaseModel(modelDir)
  t.teardown(() => m.dispose())
  await t.rejects(trainAndEvaluate(m, { ...base, lora: { r: 0 } }), { name: 'InvalidArgumentError', message: /lora\.r\b/ })
  await t.rejects(trainAndEvaluate(m, { ...base, lora: { targetModules: ['lm_head' as never] } }), /lora\.targetModules/)
  await t.rejects(trainAndEvaluate(m, { ...base, training: { learningRate: -1 } }), /training\.learningRate/)
  await t.rejects(trainAndEvaluate(m, { ...base, training: { gradAcum: 2 } as never }), /training\.gradAcum: unknown setting/)
  await t.rejects(trainAndEvaluate(m, { ...base, seed: -1 }), /seed/)
  await t.rejects(trainAndEvaluate(m, { ...base, train: [{ tokens: [1, 2, 3], lossMask: [1, 0, 0] }] }), {
    name: 'InvalidArgumentError',
    message: /training sequence 0 has no target tokens/,
  })
  await t.rejects(trainAndEvaluate(m, { ...base, initAdapterDir: '/nonexistent/adapter' }), ModelFileError)
  await t.rejects(trainAndEvaluate(m, { ...base, eval: [] }), InvalidArgumentError)
})

t.test('50 consecutive train+eval runs keep resident memory flat', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const m = await loadBaseModel(modelDir, { numThreads: 2 })
  t.teardown(() => m.dispose())
  // Long micro-batches so one run's activation workspace is several MB: a per-run leak
  // of it would add well over the bound across 45 runs.
  const big = randomSequences(8, 256, 9, 180, 200)
  const opts: TrainAndEvaluateOptions = { train: big, eval: big.slice(0, 2), lora: { r: 8 }, training: { epochs: 1, microBatchSize: 4, gradAccumSteps: 1 }, seed: 1 }
  const first = await trainAndEvaluate(m, opts)
  for (let i = 0; i < 4; i++) await trainAndEvaluate(m, opts)
  gc()
  const rss5 = process.memoryUsage().rss
  for (let i = 5; i < 50; i++) await trainAndEvaluate(m, opts)
  gc()
  const growth = process.memoryUsage().rss - rss5
  const perRun = first.peakWorkspaceBytes
  t.ok(perRun > 4e6, `one run holds ${(perRun / 1e6).toFixed(1)} MB of activations`)
  t.ok(growth < 3 * perRun, `RSS grew ${(growth / 1e6).toFixed(1)} MB over 45 runs (bound ${((3 * perRun) / 1e6).toFixed(1)} MB, a leak of one workspace per run would add ${((45 * perRun) / 1e6).toFixed(0)} MB)`)
})
