/**
 * A deterministic random stream: SHA-256 in counter mode over a key derived
 * from the seed and a stream name. Slow next to xoshiro, but obviously
 * portable and the same on every machine, which is what validators need.
 */
import { createHash } from 'node:crypto'

import { InvalidArgumentError } from '../errors.js'

export type Seed = number | bigint | string | Uint8Array

function seedBytes(seed: Seed): Buffer {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError(`seed: expected a non-negative safe integer, got ${seed}`)
    return Buffer.from(`n:${seed}`)
  }
  if (typeof seed === 'bigint') {
    if (seed < 0n) throw new InvalidArgumentError(`seed: expected a non-negative integer, got ${seed}`)
    return Buffer.from(`n:${seed}`)
  }
  if (typeof seed === 'string') return Buffer.concat([Buffer.from('s:'), Buffer.from(seed, 'utf8')])
  if (seed instanceof Uint8Array) return Buffer.concat([Buffer.from('b:'), seed])
  throw new InvalidArgumentError(`seed: expected a number, bigint, string or Uint8Array, got ${typeof seed}`)
}

export class SeededRandom {
  readonly #key: Buffer
  #counter = 0n
  #block = new Uint32Array(8)
  #pos = 8

  /** `stream` separates independent uses of one seed (e.g. "sample" and "weights"). */
  constructor(seed: Seed, stream = '') {
    this.#key = createHash('sha256').update('flock-seeded-random-v1\0').update(seedBytes(seed)).update('\0').update(stream).digest()
  }

  uint32(): number {
    if (this.#pos === 8) {
      const ctr = Buffer.alloc(8)
      ctr.writeBigUInt64LE(this.#counter++)
      const d = createHash('sha256').update(this.#key).update(ctr).digest()
      for (let i = 0; i < 8; i++) this.#block[i] = d.readUInt32LE(4 * i)
      this.#pos = 0
    }
    return this.#block[this.#pos++]!
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.uint32() >>> 5) * 67108864 + (this.uint32() >>> 6)) / 9007199254740992
  }

  /** Uniform integer in [0, n), n <= 2^32, without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new InvalidArgumentError(`int(n): n must be an integer in [1, 2^32], got ${n}`)
    const limit = 2 ** 32 - (2 ** 32 % n)
    for (;;) {
      const x = this.uint32()
      if (x < limit) return x % n
    }
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.float()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float())
  }
}
