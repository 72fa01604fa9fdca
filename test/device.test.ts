// Device choice at run time: a build or machine without CUDA says so clearly for
// 'cuda', and 'auto' falls back to the CPU with the reason in the result.
import { join } from 'node:path'
import t from 'tap'

import { cudaDevices, DeviceError, InvalidArgumentError, loadBaseModel, trainAndEvaluate } from '../lib/index.js'
import { referenceDir } from './helpers/paths.js'
import { randomSequences } from './helpers/random-sequences.js'

const opts = {
  train: randomSequences(4, 256, 1),
  eval: randomSequences(2, 256, 2),
  lora: { r: 2, alpha: 4, dropout: 0 },
  training: { epochs: 1, microBatchSize: 2, gradAccumSteps: 1 },
}

t.test('without a usable GPU: cuda fails clearly, auto runs on the CPU and says why', async (t) => {
  const avail = cudaDevices()
  if (avail.count > 0) {
    t.comment(`this machine has ${avail.count} CUDA device(s); the GPU checks live in native/test/run_gpu_checks.sh`)
    t.pass('GPU present')
    return
  }
  t.ok(avail.reason.length > 0, `reason: ${avail.reason}`)
  const model = await loadBaseModel(join(referenceDir, 'qwen2-tied-f32'))
  t.teardown(() => model.dispose())
  const err = (await trainAndEvaluate(model, { ...opts, device: 'cuda' }).catch((e: unknown) => e)) as Error | undefined
  t.ok(err instanceof DeviceError, `DeviceError: ${err?.message}`)
  t.match(err?.message ?? '', /CUDA/)
  const auto = await trainAndEvaluate(model, { ...opts, device: 'auto' })
  const cpu = await trainAndEvaluate(model, { ...opts, device: 'cpu' })
  t.equal(auto.device, 'cpu')
  t.match(auto.deviceNote, /^auto: CPU because /)
  t.equal(auto.evalLoss, cpu.evalLoss, 'auto on the CPU is the CPU run')
  t.equal(cpu.deviceNote, '')
  await t.rejects(trainAndEvaluate(model, { ...opts, device: 'cpu', precision: 'bf16' }), { name: 'DeviceError', message: /bf16/ })
})

t.test('device names are checked', async (t) => {
  const model = await loadBaseModel(join(referenceDir, 'qwen2-tied-f32'))
  t.teardown(() => model.dispose())
  await t.rejects(trainAndEvaluate(model, { ...opts, device: 'gpu' as never }), InvalidArgumentError)
  await t.rejects(trainAndEvaluate(model, { ...opts, device: 'cuda:x' as never }), InvalidArgumentError)
  await t.rejects(loadBaseModel(join(referenceDir, 'qwen2-tied-f32'), { device: 'metal' as never }), InvalidArgumentError)
})
