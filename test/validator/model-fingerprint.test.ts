// The model part of the evaluation context: the same for a copy of a model folder, and
// different when the weights, the config or the chat template differ.
import { cpSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import t from 'tap'

import { ModelFileError } from '../../lib/errors.js'
import { writeTinyModel } from '../../lib/tiny-model/index.js'
import { modelFingerprint } from '../../lib/validator/model-fingerprint.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-fingerprint-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('a copy keeps the fingerprint; other weights or another chat template change it', async (t) => {
  const a = join(dir, 'a')
  await writeTinyModel(a, { arch: 'qwen2', seed: 1 })
  const fa = await modelFingerprint(a)
  t.match(fa, /^[0-9a-f]{32}$/)
  const copy = join(dir, 'copy')
  cpSync(a, copy, { recursive: true })
  t.equal(await modelFingerprint(copy), fa, 'a moved or copied folder is the same model')

  const b = join(dir, 'b')
  await writeTinyModel(b, { arch: 'qwen2', seed: 2 })
  t.not(await modelFingerprint(b), fa, 'same shapes, other weights')

  const templated = join(dir, 'templated')
  cpSync(a, templated, { recursive: true })
  writeFileSync(join(templated, 'chat_template.jinja'), '{% for m in messages %}{{ m.content }}{% endfor %}')
  t.not(await modelFingerprint(templated), fa, 'a chat_template.jinja (it wins over tokenizer_config.json)')
})

t.test('damaged or missing weights are named', async (t) => {
  const torn = join(dir, 'torn')
  await writeTinyModel(torn, { arch: 'qwen2', seed: 1 })
  truncateSync(join(torn, 'model.safetensors'), 20)
  await t.rejects(modelFingerprint(torn), { constructor: ModelFileError, message: /model\.safetensors: header length \d+ runs past the file/ })
  const empty = join(dir, 'empty')
  cpSync(torn, empty, { recursive: true })
  rmSync(join(empty, 'model.safetensors'))
  await t.rejects(modelFingerprint(empty), { constructor: ModelFileError, message: /no \.safetensors files/ })
})
