// Our forward pass and loss against HF transformers in float64 (fixtures made by
// test/reference/make_forward_reference.py): relative error under 1e-4.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

import { loadBaseModel } from '../lib/index.js'
import { referenceDir } from './helpers/paths.js'
import { readSafetensors, relativeError, tensorAs } from './helpers/safetensors.js'

const cases = JSON.parse(readFileSync(join(referenceDir, 'cases.json'), 'utf8')) as string[]

interface Expected {
  seq_loss_sum: number[]
  seq_num_targets: number[]
  loss_sum: number
  num_targets: number
  mean_loss: number
  architecture: string
}

for (const name of cases) {
  t.test(name, async (t) => {
    const dir = join(referenceDir, name)
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected
    const ref = readSafetensors(join(dir, 'reference.safetensors'))
    const tokens = tensorAs(ref.get('tokens')!, Int32Array)
    const mask = tensorAs(ref.get('loss_mask')!, Uint8Array)
    const offsets = Array.from(tensorAs(ref.get('seq_offsets')!, BigInt64Array), Number)
    const refLogits = tensorAs(ref.get('logits')!, Float32Array)
    const sequences = offsets.slice(0, -1).map((b, i) => ({
      tokens: tokens.subarray(b, offsets[i + 1]),
      lossMask: mask.subarray(b, offsets[i + 1]),
    }))

    for (const numThreads of [1, 2]) {
      const model = await loadBaseModel(dir, { numThreads })
      t.equal(model.info.architecture, expected.architecture)
      const r = await model.computeLoss(sequences, { logits: true })
      const relLogits = relativeError(r.logits!, refLogits)
      const relLoss = Math.abs(r.lossSum - expected.loss_sum) / Math.abs(expected.loss_sum)
      t.ok(relLogits < 1e-4, `logits relative error ${relLogits.toExponential(2)} < 1e-4 (${numThreads} threads)`)
      t.ok(relLoss < 1e-4, `loss relative error ${relLoss.toExponential(2)} < 1e-4 (${numThreads} threads)`)
      t.equal(r.numTargets, expected.num_targets)
      t.same(r.sequences.map((s) => s.numTargets), expected.seq_num_targets)
      r.sequences.forEach((s, i) => {
        const e = expected.seq_loss_sum[i]!
        t.ok(Math.abs(s.lossSum - e) < 1e-4 * Math.abs(e), `sequence ${i} loss ${s.lossSum} ≈ ${e}`)
      })
      // Loss without logits takes the chunked path that skips non-target rows: same numbers.
      const r2 = await model.computeLoss(sequences)
      t.equal(r2.lossSum, r.lossSum, 'loss is the same with and without logits')
      t.equal(r2.logits, undefined)
      model.dispose()
    }
  })
}

t.test('results are bitwise identical across thread counts and runs', async (t) => {
  const dir = join(referenceDir, cases[0]!)
  const m1 = await loadBaseModel(dir, { numThreads: 1 })
  const m2 = await loadBaseModel(dir, { numThreads: 2 })
  const seq = [{ tokens: Array.from({ length: 40 }, (_, i) => (i * 37 + 11) % m1.info.vocabSize), lossMask: Array.from({ length: 40 }, (_, i) => i % 3 !== 0) }]
  const a = await m1.computeLoss(seq, { logits: true })
  const b = await m2.computeLoss(seq, { logits: true })
  const c = await m2.computeLoss(seq, { logits: true })
  t.same(Buffer.from(a.logits!.buffer), Buffer.from(b.logits!.buffer))
  t.same(Buffer.from(b.logits!.buffer), Buffer.from(c.logits!.buffer))
  t.equal(a.lossSum, b.lossSum)
  m1.dispose()
  m2.dispose()
})
