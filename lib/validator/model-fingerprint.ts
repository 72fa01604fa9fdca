/**
 * A base model's identity for the evaluation context, without loading its weights: the
 * hash of its config, its tokenizer files (the chat template included) and every
 * safetensors file's size and header (tensor names, dtypes, shapes, offsets). A coordinator
 * that only hands jobs to workers gets the same context as a validator that trains, and a
 * moved model folder keeps its results.
 */
import { createHash } from 'node:crypto'
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

import { ModelFileError } from '../errors.js'

const TEXT_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']
const MAX_HEADER = 100 * 1024 * 1024

async function safetensorsHeader(path: string): Promise<{ size: number; header: Buffer }> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    const len = Buffer.alloc(8)
    if (size < 8 || (await fh.read(len, 0, 8, 0)).bytesRead !== 8) throw new ModelFileError('E_FORMAT', `${path}: too short for a safetensors header`)
    const n = len.readBigUInt64LE(0)
    if (n > BigInt(Math.min(MAX_HEADER, size - 8))) throw new ModelFileError('E_FORMAT', `${path}: header length ${n} runs past the file or the ${MAX_HEADER}-byte cap`)
    const header = Buffer.alloc(Number(n))
    await fh.read(header, 0, header.length, 8)
    return { size, header }
  } finally {
    await fh.close()
  }
}

export async function modelFingerprint(dir: string): Promise<string> {
  const h = createHash('sha256').update('flock-model-fingerprint-v1\0')
  const names = (await readdir(dir)).sort()
  for (const name of TEXT_FILES) {
    if (!names.includes(name)) continue
    const bytes = await readFile(join(dir, name))
    h.update(`${name}\0${bytes.length}\0`).update(bytes)
  }
  const weights = names.filter((n) => n.endsWith('.safetensors'))
  if (weights.length === 0) throw new ModelFileError('E_IO', `${dir}: no .safetensors files`)
  for (const name of weights) {
    const { size, header } = await safetensorsHeader(join(dir, name))
    h.update(`${name}\0${size}\0${header.length}\0`).update(header)
  }
  return h.digest('hex').slice(0, 32)
}
