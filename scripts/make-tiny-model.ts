// Writes a tiny random model folder (config, F32 safetensors, tokenizer, chat template).
//   node --loader ts-node/esm scripts/make-tiny-model.ts OUTDIR [--arch qwen2|llama] [--seed N]
import { parseArgs } from 'node:util'

import { writeTinyModel, type TinyArch } from '../lib/tiny-model/index.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { arch: { type: 'string', default: 'qwen2' }, seed: { type: 'string', default: '0' } },
})
const out = positionals[0]
const seed = Number(values.seed)
if (positionals.length !== 1 || !out || (values.arch !== 'qwen2' && values.arch !== 'llama') || !Number.isSafeInteger(seed) || seed < 0) {
  process.stderr.write('usage: make-tiny-model OUTDIR [--arch qwen2|llama] [--seed N]\n')
  process.exit(2)
}
const info = await writeTinyModel(out, { arch: values.arch as TinyArch, seed })
process.stdout.write(`${info.architecture} (vocab ${info.vocabSize}, max token id ${info.maxTokenId}) written to ${info.dir}\n`)
