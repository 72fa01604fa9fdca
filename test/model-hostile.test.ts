// Hostile model folders: each gives its own typed error naming the file and the
// tensor or field at fault, and the process keeps working afterwards.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'

import { InvalidArgumentError, loadBaseModel, ModelConfigError, ModelFileError } from '../lib/index.js'
import { referenceDir } from './helpers/paths.js'
import { readSafetensors, writeSafetensors } from './helpers/safetensors.js'

const source = join(referenceDir, 'qwen2-tied-f32')
const weights = () => readSafetensors(join(source, 'model.safetensors'))

function copyModel(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flock-hostile-'))
  cpSync(join(source, 'config.json'), join(dir, 'config.json'))
  cpSync(join(source, 'model.safetensors'), join(dir, 'model.safetensors'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function expectLoadError(t: Test, dir: string, cls: Function, code: string, needles: string[]) {
  const err = await loadBaseModel(dir).then(
    () => undefined,
    (e: unknown) => e as Error & { code: string },
  )
  t.ok(err instanceof cls, `${cls.name} (got ${err?.constructor.name}: ${err?.message})`)
  t.equal(err?.code, code)
  for (const n of needles) t.match(err?.message ?? '', n)
}

t.test('missing tensor', async (t) => {
  const dir = copyModel()
  const w = weights()
  w.delete('model.layers.1.mlp.up_proj.weight')
  writeSafetensors(join(dir, 'model.safetensors'), w)
  await expectLoadError(t, dir, ModelFileError, 'E_TENSOR', ['missing tensor', 'model.layers.1.mlp.up_proj.weight'])
})

t.test('wrong shape', async (t) => {
  const dir = copyModel()
  const w = weights()
  const q = w.get('model.layers.0.self_attn.q_proj.weight')!
  w.set('model.layers.0.self_attn.q_proj.weight', { ...q, shape: [32, 128] })
  writeSafetensors(join(dir, 'model.safetensors'), w)
  await expectLoadError(t, dir, ModelFileError, 'E_TENSOR', ['model.layers.0.self_attn.q_proj.weight', 'shape [32, 128]', 'expected [64, 64]'])
})

t.test('truncated file', async (t) => {
  const dir = copyModel()
  const bytes = readFileSync(join(dir, 'model.safetensors'))
  writeFileSync(join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 1000))
  await expectLoadError(t, dir, ModelFileError, 'E_FORMAT', ['model.safetensors', 'truncated'])
})

t.test('header length pointing past the end', async (t) => {
  const dir = copyModel()
  const bytes = Buffer.from(readFileSync(join(dir, 'model.safetensors')))
  bytes.writeBigUInt64LE(BigInt(bytes.length * 2), 0)
  writeFileSync(join(dir, 'model.safetensors'), bytes)
  await expectLoadError(t, dir, ModelFileError, 'E_FORMAT', ['model.safetensors', 'past the end of the file'])
})

t.test('overlapping offsets', async (t) => {
  const dir = copyModel()
  writeSafetensors(join(dir, 'model.safetensors'), weights(), (h) => {
    const e = h['model.norm.weight'] as { data_offsets: [number, number] }
    const other = h['model.layers.0.input_layernorm.weight'] as { data_offsets: [number, number] }
    e.data_offsets = [...other.data_offsets]
    return h
  })
  await expectLoadError(t, dir, ModelFileError, 'E_FORMAT', ['overlapping', 'model.norm.weight'])
})

t.test('a zero-length tensor inside another: overlapping data, refused', async (t) => {
  const dir = copyModel()
  const w = weights()
  w.set('model.extra', { dtype: 'F32', shape: [0], data: new Uint8Array(0) })
  writeSafetensors(join(dir, 'model.safetensors'), w, (h) => {
    const inside = h['model.layers.0.input_layernorm.weight'] as { data_offsets: [number, number] }
    ;(h['model.extra'] as { data_offsets: [number, number] }).data_offsets = [inside.data_offsets[0] + 4, inside.data_offsets[0] + 4]
    return h
  })
  await expectLoadError(t, dir, ModelFileError, 'E_FORMAT', ['model.safetensors', 'overlapping', "'model.extra'"])
})

t.test('bytes that belong to no tensor (a gap in the data) are refused', async (t) => {
  const dir = copyModel()
  writeSafetensors(join(dir, 'model.safetensors'), weights(), (h) => {
    const last = Object.values(h).at(-1) as { data_offsets: [number, number]; shape: number[] }
    last.data_offsets = [last.data_offsets[0] + 4, last.data_offsets[1]]
    last.shape = [last.shape.reduce((a, b) => a * b, 1) - 1]
    return h
  })
  await expectLoadError(t, dir, ModelFileError, 'E_FORMAT', ['model.safetensors', 'belong to no tensor'])
})

t.test('garbage header', async (t) => {
  const dir = copyModel()
  const junk = Buffer.alloc(64, 0x7a)
  junk.writeBigUInt64LE(40n, 0)
  writeFileSync(join(dir, 'model.safetensors'), junk)
  await expectLoadError(t, dir, ModelFileError, 'E_FORMAT', ['model.safetensors', 'invalid JSON'])
})

t.test('unknown architecture', async (t) => {
  const dir = copyModel()
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  cfg.architectures = ['BertForMaskedLM']
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg))
  await expectLoadError(t, dir, ModelConfigError, 'E_UNSUPPORTED', ['config.json', 'BertForMaskedLM', 'not supported'])
})

t.test('missing config field', async (t) => {
  const dir = copyModel()
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  delete cfg.num_attention_heads
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg))
  await expectLoadError(t, dir, ModelConfigError, 'E_CONFIG', ['config.json', "missing required field 'num_attention_heads'"])
})

/** config.json with some fields changed (null deletes). */
function withConfig(dir: string, fields: Record<string, unknown>): void {
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>
  for (const [k, v] of Object.entries(fields)) if (v === null) delete cfg[k]
    else cfg[k] = v
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg))
}

/** q/k/v/o projections with the given number of rows (o: columns), for every layer. */
function withProjections(dir: string, rows: number): void {
  const w = weights()
  for (let l = 0; l < 2; l++)
    for (const p of ['q', 'k', 'v', 'o']) {
      const shape = p === 'o' ? [64, rows] : [rows, 64]
      w.set(`model.layers.${l}.self_attn.${p}_proj.weight`, { dtype: 'F32', shape, data: new Uint8Array(rows * 64 * 4) })
      if (p !== 'o') w.set(`model.layers.${l}.self_attn.${p}_proj.bias`, { dtype: 'F32', shape: [rows], data: new Uint8Array(rows * 4) })
    }
  writeSafetensors(join(dir, 'model.safetensors'), w)
}

t.test('65536 heads of 65536 with zero-row projections: refused at config.json, not a crash in computeLoss', async (t) => {
  // heads × head_dim = 2^32 wrapped to 0 in 32 bits, so [0, 64] projections passed the shape check
  const dir = copyModel()
  withConfig(dir, { num_attention_heads: 65536, num_key_value_heads: 65536, head_dim: 65536 })
  withProjections(dir, 0)
  await expectLoadError(t, dir, ModelConfigError, 'E_CONFIG', ['config.json', "field 'num_attention_heads'", 'at most 1024, got 65536'])
  // within every bound, the product is computed in 64 bits and checked against the tensors
  withConfig(dir, { num_attention_heads: 512, num_key_value_heads: 512, head_dim: 512 })
  await expectLoadError(t, dir, ModelFileError, 'E_TENSOR', ['model.layers.0.self_attn.q_proj.weight', 'shape [0, 64]', 'expected [262144, 64]'])
  withConfig(dir, { num_attention_heads: 1024, num_key_value_heads: 1024, head_dim: 1024 })
  await expectLoadError(t, dir, ModelConfigError, 'E_CONFIG', ['config.json', "field 'head_dim'", '1048576', 'above the limit'])
})

t.test('num_hidden_layers far beyond the weights: refused before anything is allocated, naming config.json and the field', async (t) => {
  const dir = copyModel()
  withConfig(dir, { num_hidden_layers: 5_000_000, layer_types: null })
  await expectLoadError(t, dir, ModelConfigError, 'E_CONFIG', ['config.json', "field 'num_hidden_layers'", 'at most 1024, got 5000000'])
  withConfig(dir, { num_hidden_layers: 2 ** 30 })
  await expectLoadError(t, dir, ModelConfigError, 'E_CONFIG', ['config.json', "field 'num_hidden_layers'", `got ${2 ** 30}`])
  withConfig(dir, { num_hidden_layers: 1000 })
  await expectLoadError(t, dir, ModelConfigError, 'E_CONFIG', ['config.json', "'num_hidden_layers' is 1000", 'holds 2 layer(s)'])
  withConfig(dir, { num_hidden_layers: 1 })
  await expectLoadError(t, dir, ModelConfigError, 'E_CONFIG', ['config.json', "'num_hidden_layers' is 1", 'holds 2 layer(s)'])
})

t.test('every dimension is checked in 64 bits: huge, unsigned-wrapping and negative values name their field', async (t) => {
  const dir = copyModel()
  for (const field of ['vocab_size', 'hidden_size', 'intermediate_size', 'num_key_value_heads', 'max_position_embeddings'])
    for (const value of [2 ** 31, 2 ** 53, -1]) {
      withConfig(dir, { [field]: value })
      await expectLoadError(t, dir, ModelConfigError, 'E_CONFIG', ['config.json', `field '${field}'`])
      withConfig(dir, JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')) as Record<string, unknown>)
    }
  writeFileSync(join(dir, 'config.json'), readFileSync(join(source, 'config.json'), 'utf8').replace('"vocab_size": 256', '"vocab_size": 18446744073709551615'))
  await expectLoadError(t, dir, ModelConfigError, 'E_CONFIG', ['config.json', "field 'vocab_size'", 'got 18446744073709551615'])
})

t.test('config.json that is not JSON', async (t) => {
  const dir = copyModel()
  writeFileSync(join(dir, 'config.json'), '{"architectures": [')
  await expectLoadError(t, dir, ModelFileError, 'E_FORMAT', ['config.json', 'invalid JSON'])
})

t.test('config.json that never ends (a link to /dev/zero) is read up to its cap, then refused', async (t) => {
  const dir = copyModel()
  rmSync(join(dir, 'config.json'))
  symlinkSync('/dev/zero', join(dir, 'config.json'))
  await expectLoadError(t, dir, ModelFileError, 'E_FORMAT', ['config.json', 'larger than 64 MiB'])
})

t.test('not a folder', async (t) => {
  await expectLoadError(t, join(tmpdir(), 'flock-no-such-model'), ModelFileError, 'E_IO', ['not a model folder'])
})

t.test('bad arguments and use after dispose are errors, not crashes', async (t) => {
  const model = await loadBaseModel(source)
  await t.rejects(model.computeLoss([{ tokens: [1, 99999], lossMask: [0, 1] }]), InvalidArgumentError)
  await t.rejects(model.computeLoss([{ tokens: [1, 2], lossMask: [0] }]), InvalidArgumentError)
  await t.rejects(model.computeLoss([]), InvalidArgumentError)
  await t.rejects(loadBaseModel(source, { numThreads: -1 }), InvalidArgumentError)
  // two calls in flight at once on one model are serialised, not corrupted
  const seq = [{ tokens: [1, 2, 3, 4, 5], lossMask: [0, 1, 1, 1, 1] }]
  const [a, b] = await Promise.all([model.computeLoss(seq), model.computeLoss(seq)])
  t.equal(a.lossSum, b.lossSum)
  // dispose while a call is in flight: the call finishes, later calls fail cleanly
  const pending = model.computeLoss(seq)
  model.dispose()
  t.equal((await pending).lossSum, a.lossSum)
  await t.rejects(model.computeLoss(seq), /disposed/)
  // the process still loads and runs models
  const again = await loadBaseModel(source)
  t.equal((await again.computeLoss(seq)).lossSum, a.lossSum)
  again.dispose()
})
