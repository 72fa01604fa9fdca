import type { TokenSequence } from '../../lib/index.js'

/** Deterministic pseudo-random sequences (mulberry32) for tests that need bulk data. */
export function randomSequences(count: number, vocab: number, seed: number, minLen = 8, maxLen = 40): TokenSequence[] {
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296
  }
  return Array.from({ length: count }, () => {
    const len = minLen + Math.floor(next() * (maxLen - minLen + 1))
    const tokens = Array.from({ length: len }, () => Math.floor(next() * vocab))
    const lossMask = tokens.map((_, i) => (i > len / 3 ? 1 : 0))
    return { tokens, lossMask }
  })
}
