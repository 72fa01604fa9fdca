// LoRA training against HF transformers + PEFT in float64 (fixtures made by
// test/reference/make_training_reference.py): from the same initial adapter the
// per-step loss, lr and gradient norm and the eval losses agree within 1e-4; the
// adapter we write has PEFT's layout and PEFT's eval of it equals ours.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { loadBaseModel, trainAndEvaluate } from '../lib/index.js'
import { readSafetensors } from './helpers/safetensors.js'
import { loadTrainingFixture, trainingCases } from './helpers/training-fixture.js'

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)
const worst = (a: number[], b: number[]) => Math.max(...a.map((x, i) => (b[i] === 0 ? Math.abs(x) : rel(x, b[i]!))))

for (const name of trainingCases()) {
  t.test(name, async (t) => {
    const fx = loadTrainingFixture(name)
    const model = await loadBaseModel(fx.modelDir, { numThreads: 2 })
    t.teardown(() => model.dispose())
    const out = mkdtempSync(join(tmpdir(), 'flock-adapter-'))
    t.teardown(() => rmSync(out, { recursive: true, force: true }))
    const r = await trainAndEvaluate(model, {
      train: fx.train,
      eval: fx.eval,
      lora: fx.lora,
      training: fx.training,
      seed: fx.seed,
      initAdapterDir: join(fx.dir, 'init_adapter'),
      saveAdapterDir: out,
      evalBefore: true,
      evalLossDefinition: 'token-mean',
    })
    const e = fx.expected
    t.equal(r.steps, e.steps, `${e.steps} optimizer steps (>= 20)`)
    t.ok(r.steps >= 20)
    const wl = worst(r.trainLoss, e.step_loss)
    const wg = worst(r.gradNorms, e.step_grad_norm)
    t.ok(wl < 1e-4, `per-step training loss within 1e-4 relative (worst ${wl.toExponential(2)})`)
    t.ok(worst(r.learningRates, e.step_lr) < 1e-9, 'learning rates follow HF schedule with warmup')
    t.ok(wg < 1e-4, `per-step gradient norm within 1e-4 (worst ${wg.toExponential(2)}); clipping active: ${Math.max(...e.step_grad_norm).toFixed(3)} > max ${fx.training.maxGradNorm}`)
    t.ok(rel(r.eval.tokenMean, e.eval.token_mean) < 1e-4, `eval loss (token mean) ${r.eval.tokenMean} vs PEFT ${e.eval.token_mean}`)
    t.ok(rel(r.eval.exampleMean, e.eval.example_mean) < 1e-4, 'eval loss (example mean, HF Trainer batch 1)')
    t.equal(r.eval.targets, e.eval.targets)
    t.equal(r.evalLoss, r.eval.tokenMean)
    t.equal(r.evalLossDefinition, 'token-mean')
    t.ok(rel(r.evalBefore!.tokenMean, e.eval_before.token_mean) < 1e-4, 'eval of the initial adapter')
    t.ok(rel(r.eval.tokenMean, e.peft_eval_of_our_adapter.token_mean) < 1e-4, 'PEFT loading the adapter we write gives our eval loss')
    t.ok(rel(r.eval.exampleMean, e.peft_eval_of_our_adapter.example_mean) < 1e-4)

    // The written adapter has PEFT's keys, shapes and config.
    const ours = readSafetensors(join(out, 'adapter_model.safetensors'))
    const peft = readSafetensors(join(fx.dir, 'init_adapter', 'adapter_model.safetensors'))
    t.same([...ours.keys()].sort(), [...peft.keys()].sort(), 'same tensor names as PEFT writes')
    for (const [k, v] of peft) t.same(ours.get(k)?.shape, v.shape, `${k} shape`)
    const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'))
    t.match(cfg, { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: fx.lora.r, lora_alpha: fx.lora.alpha, bias: 'none', use_rslora: fx.lora.useRslora })
    t.same([...cfg.target_modules].sort(), [...(fx.lora.targetModules as string[])].sort())

    // Round trip: starting from the adapter we wrote, its evaluation is the trained eval.
    const again = await trainAndEvaluate(model, {
      train: fx.train.slice(0, 1),
      eval: fx.eval,
      lora: fx.lora,
      training: { ...fx.training, epochs: 1, maxSteps: 1 },
      initAdapterDir: out,
      evalBefore: true,
    })
    t.equal(again.evalBefore!.tokenMean, r.eval.tokenMean, 'reloading our adapter reproduces its eval loss exactly')
  })
}
