/**
 * mulberry32: a tiny, fast 32-bit PRNG. The bench uses it for its random
 * weights (hundreds of millions of values, where SeededRandom's SHA-256 would
 * take minutes) and its token ids; bench/reference/peft_bench.py has the same
 * generator, so both sides can draw the same tokens.
 */
export class Mulberry32 {
  #s: number

  constructor(seed: number) {
    this.#s = seed >>> 0
  }

  uint32(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0
    let z = this.#s
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return (z ^ (z >>> 14)) >>> 0
  }

  /** Uniform integer in [0, n) as floor(u32 · n / 2^32), exact for n < 2^21. */
  below(n: number): number {
    return Math.floor((this.uint32() * n) / 4294967296)
  }
}
