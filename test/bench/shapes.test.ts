// Bench shapes: exact dimensions of the real models, parameter counts, config.json,
// and the tiny model written into a cache folder and loaded by the native core.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'

import { benchShape, ensureShapeModel, SHAPE_NAMES, shapeConfig, shapeParameters, tensorChunks } from '../../lib/bench/index.js'
import { loadBaseModel } from '../../lib/index.js'
import { toBf16 } from '../../lib/tiny-model/safetensors.js'
import { modelTensorSpecs } from '../../lib/tiny-model/weights.js'

async function tmp(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flock-bench-shapes-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('the big shapes have the dimensions of the models they stand for', async (t) => {
  t.same(SHAPE_NAMES, ['tiny', 'qwen2.5-0.5b', 'qwen2.5-1.5b', 'llama-3.2-1b'])
  const q05 = shapeConfig(benchShape('qwen2.5-0.5b'), 'f32')
  t.match(q05, {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    hidden_size: 896,
    num_hidden_layers: 24,
    num_attention_heads: 14,
    num_key_value_heads: 2,
    intermediate_size: 4864,
    vocab_size: 151936,
    tie_word_embeddings: true,
    rope_theta: 1e6,
    rms_norm_eps: 1e-6,
    torch_dtype: 'float32',
  })
  t.equal((q05.hidden_size as number) / (q05.num_attention_heads as number), 64, 'head_dim 64')
  t.match(shapeConfig(benchShape('qwen2.5-1.5b'), 'bf16'), {
    hidden_size: 1536,
    num_hidden_layers: 28,
    num_attention_heads: 12,
    num_key_value_heads: 2,
    intermediate_size: 8960,
    vocab_size: 151936,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
  })
  const llama = shapeConfig(benchShape('llama-3.2-1b'), 'f32')
  t.match(llama, {
    architectures: ['LlamaForCausalLM'],
    hidden_size: 2048,
    num_hidden_layers: 16,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    head_dim: 64,
    intermediate_size: 8192,
    vocab_size: 128256,
    tie_word_embeddings: true,
    rope_theta: 500000,
    attention_bias: false,
    rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
  })
  // the published parameter counts of Qwen2.5-0.5B, Qwen2.5-1.5B and Llama-3.2-1B
  t.equal(shapeParameters(benchShape('qwen2.5-0.5b')), 494_032_768)
  t.equal(shapeParameters(benchShape('qwen2.5-1.5b')), 1_543_714_304)
  t.equal(shapeParameters(benchShape('llama-3.2-1b')), 1_235_814_400)
  const qwenNames = modelTensorSpecs(benchShape('qwen2.5-0.5b').dims).map((s) => s.name)
  t.ok(qwenNames.includes('model.layers.23.self_attn.q_proj.bias'), 'qwen2 has q/k/v biases')
  t.notOk(qwenNames.includes('lm_head.weight'), 'tied: no lm_head')
  t.notOk(modelTensorSpecs(benchShape('llama-3.2-1b').dims).some((s) => s.name.endsWith('.bias')), 'llama has no biases')
  t.throws(() => benchShape('gpt2'), /unknown shape "gpt2" \(known: tiny, qwen2\.5-0\.5b/)
})

t.test('weights are seeded, spread as stated, and chunked', async (t) => {
  const spec = { name: 'w', shape: [3, 1_500_000], init: { kind: 'matrix' as const, fanIn: 1_500_000 } }
  const chunks = [...tensorChunks(spec, 0)].map((c) => c.slice())
  t.same(chunks.map((c) => c.length), [1 << 20, 1 << 20, 1 << 20, 1 << 20, 4_500_000 - 4 * (1 << 20)], 'chunks of 2^20 values, then the rest')
  const again = [...tensorChunks(spec, 0)].map((c) => c.slice())
  t.ok(chunks.every((c, i) => Buffer.from(c.buffer).equals(Buffer.from(again[i]!.buffer))), 'same seed, same values')
  const other = [...tensorChunks({ ...spec, name: 'v' }, 0)][0]!
  t.not(other[0], chunks[0]![0], 'each tensor has its own stream')
  let sum = 0
  let sq = 0
  for (const c of chunks) for (const x of c) (sum += x), (sq += x * x)
  const n = 4_500_000
  const std = Math.sqrt(sq / n - (sum / n) ** 2)
  t.ok(Math.abs(std * Math.sqrt(1_500_000) - 1.5) < 0.01, `matrix std ${std} ≈ 1.5/sqrt(fan_in)`)
  const norm = [...tensorChunks({ name: 'n', shape: [10000], init: { kind: 'norm' } }, 0)][0]!
  t.ok(norm.every((x) => x > 1 - 0.35 && x < 1 + 0.35), 'norm gains are 1 ± 0.2·sqrt(3)')
})

t.test('BF16 conversion rounds to nearest even', async (t) => {
  const src = new Float32Array([1, -2.5, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, Number.NaN, Infinity])
  const out = new Uint16Array(src.length)
  toBf16(src, out)
  t.same(Array.from(out.subarray(0, 5)), [0x3f80, 0xc020, 0x3f80, 0x3f82, 0x3f81])
  t.ok((out[5]! & 0x7f80) === 0x7f80 && (out[5]! & 0x7f) !== 0, 'NaN stays NaN')
  t.equal(out[6], 0x7f80)
})

for (const dtype of ['f32', 'bf16'] as const) {
  t.test(`the tiny shape is written once (${dtype}) and loads with its dimensions`, async (t) => {
    const root = await tmp(t)
    const shape = benchShape('tiny')
    const first = await ensureShapeModel(shape, { dtype, root })
    t.equal(first.created, true)
    t.equal(first.dir, join(root, `tiny-${dtype}`))
    const second = await ensureShapeModel(shape, { dtype, root })
    t.equal(second.created, false, 'the second call reuses the cache')
    const config = JSON.parse(await readFile(join(first.dir, 'config.json'), 'utf8'))
    t.same(config, shapeConfig(shape, dtype))
    const model = await loadBaseModel(first.dir, { numThreads: 1 })
    t.teardown(() => model.dispose())
    t.match(model.info, {
      architecture: 'Qwen2ForCausalLM',
      weightDtype: dtype === 'f32' ? 'F32' : 'BF16',
      vocabSize: shape.dims.vocabSize,
      hiddenSize: 64,
      numLayers: 2,
      numHeads: 4,
      numKvHeads: 2,
      numParameters: shapeParameters(shape),
    })
  })
}

t.test('a folder that is not ours is left alone; a stale one is rewritten', async (t) => {
  const root = await tmp(t)
  await mkdir(join(root, 'tiny-f32'))
  await writeFile(join(root, 'tiny-f32', 'config.json'), '{}')
  await t.rejects(ensureShapeModel(benchShape('tiny'), { root }), /is not a flock-bench model folder/)
  t.equal(await readFile(join(root, 'tiny-f32', 'config.json'), 'utf8'), '{}')
  await rm(join(root, 'tiny-f32'), { recursive: true })
  await ensureShapeModel(benchShape('tiny'), { root, seed: 1 })
  const reseeded = await ensureShapeModel(benchShape('tiny'), { root, seed: 2 })
  t.equal(reseeded.created, true, 'another seed rewrites the folder')
})
