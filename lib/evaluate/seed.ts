/**
 * The seed a dataset is evaluated with, derived from its content hash alone. Every
 * validator, and the miner's preview, then trains with the same seed on the same data,
 * whatever the block, the queue order or the file's formatting (the content hash is
 * order- and whitespace-stable); a changed dataset gets a new seed.
 *
 *   seed = first 8 bytes, big-endian, of sha256("flock-eval-seed-v1\n" + content hash hex)
 */
import { createHash } from 'node:crypto'

import { InvalidArgumentError } from '../errors.js'

export function datasetEvaluationSeed(contentHash: string): bigint {
  if (typeof contentHash !== 'string' || !/^[0-9a-f]{64}$/.test(contentHash))
    throw new InvalidArgumentError('contentHash: expected the 64-hex content hash of a dataset')
  return createHash('sha256').update(`flock-eval-seed-v1\n${contentHash}`, 'utf8').digest().readBigUInt64BE(0)
}
