/**
 * A base model's identity for the evaluation context, without reading all its weights: the
 * hash of its config, its tokenizer files (the chat template included), and for every
 * safetensors file its size, its header (tensor names, dtypes, shapes, offsets) and 256
 * evenly spaced 4 KiB samples of its data, so two models of one shape with different
 * weights differ. A coordinator that only hands jobs to workers gets the same context as a
 * validator that trains, and a moved model folder keeps its results.
 */
import { createHash, type Hash } from 'node:crypto'
import { open, readdir } from 'node:fs/promises'
import { join } from 'node:path'

import { ModelFileError } from '../errors.js'
import { MODEL_TEXT_FILE_MAX_BYTES } from '../tokenize/model-files.js'
import { readFileCapped } from '../util/read-capped.js'

const TEXT_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'generation_config.json']
const SAMPLES = 256
const SAMPLE_BYTES = 4096
const MAX_HEADER = 100 * 1024 * 1024

/** The file's size, header and data samples, fed to `h`. */
async function hashSafetensors(path: string, h: Hash): Promise<void> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    const len = Buffer.alloc(8)
    if (size < 8 || (await fh.read(len, 0, 8, 0)).bytesRead !== 8) throw new ModelFileError('E_FORMAT', `${path}: too short for a safetensors header`)
    const n = len.readBigUInt64LE(0)
    if (n > BigInt(Math.min(MAX_HEADER, size - 8))) throw new ModelFileError('E_FORMAT', `${path}: header length ${n} runs past the file or the ${MAX_HEADER}-byte cap`)
    const header = Buffer.alloc(Number(n))
    await fh.read(header, 0, header.length, 8)
    h.update(`${size}\0${header.length}\0`).update(header)
    const dataStart = 8 + header.length
    const span = size - dataStart
    const sample = Buffer.alloc(Math.min(SAMPLE_BYTES, span))
    for (let i = 0; i < SAMPLES && sample.length > 0; i++) {
      const at = dataStart + Math.floor(((span - sample.length) * i) / Math.max(1, SAMPLES - 1))
      const { bytesRead } = await fh.read(sample, 0, sample.length, at)
      h.update(sample.subarray(0, bytesRead))
    }
  } finally {
    await fh.close()
  }
}

export async function modelFingerprint(dir: string): Promise<string> {
  const h = createHash('sha256').update('flock-model-fingerprint-v1\0')
  const names = (await readdir(dir)).sort()
  for (const name of TEXT_FILES) {
    if (!names.includes(name)) continue
    const bytes = await readFileCapped(join(dir, name), MODEL_TEXT_FILE_MAX_BYTES)
    h.update(`${name}\0${bytes.length}\0`).update(bytes)
  }
  const weights = names.filter((n) => n.endsWith('.safetensors'))
  if (weights.length === 0) throw new ModelFileError('E_IO', `${dir}: no .safetensors files`)
  for (const name of weights) {
    h.update(`${name}\0`)
    await hashSafetensors(join(dir, name), h)
  }
  return h.digest('hex').slice(0, 32)
}
