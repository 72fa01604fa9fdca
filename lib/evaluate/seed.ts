/**
 * The seed policy, in one place: a commitment's evaluation is seeded by the hash of the
 * block its commitment was included in. Every validator derives the same seed, and no
 * miner knows it before committing, so none can search for a lucky one.
 * `flock-miner preview` uses the same function: with the commitment's block hash once it
 * is on chain (the validators' number exactly), or with a few hypothetical block hashes
 * before, to show the spread of what validators may compute.
 *
 *   seed = first 8 bytes, big-endian, of sha256("flock-seed-v1\0evaluate\0" + lower-case 0x block hash + "\0")
 */
import { createHash } from 'node:crypto'

import { InvalidArgumentError } from '../errors.js'

const BLOCK_HASH = /^0x[0-9a-f]{64}$/

export function evaluationSeed(blockHash: string): bigint {
  const hash = typeof blockHash === 'string' ? blockHash.toLowerCase() : ''
  if (!BLOCK_HASH.test(hash)) throw new InvalidArgumentError(`blockHash: expected a 0x-prefixed 32-byte hex block hash, got ${JSON.stringify(String(blockHash).slice(0, 80))}`)
  const h = createHash('sha256')
  for (const part of ['flock-seed-v1', 'evaluate', hash]) h.update(part).update('\0')
  return h.digest().readBigUInt64BE(0)
}

/**
 * `count` draws of the seed a commitment could get, for a preview before committing: the
 * block hash is unknown until then, so these stand in for it (fixed, so a preview is repeatable).
 */
export function hypotheticalEvaluationSeeds(count: number): bigint[] {
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new InvalidArgumentError(`count: expected an integer in [1, 1000], got ${count}`)
  return Array.from({ length: count }, (_, i) =>
    evaluationSeed(`0x${createHash('sha256').update(`flock-preview-block-${i}`).digest('hex')}`))
}
