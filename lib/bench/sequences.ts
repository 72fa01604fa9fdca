/** The bench's token sequences: random ids, loss on the last 3/4 of each sequence. */
import { Mulberry32 } from './mulberry32.js'

export const LOSS_MASK_RULE = 'targets are positions i >= floor(seq/4) of each sequence (the last 3/4)'

/** `count` sequences of `seq` ids uniform in [0, vocab), drawn in order from one mulberry32 stream. */
export interface BenchSequence {
  tokens: Int32Array
  lossMask: Uint8Array
}

export function benchSequences(count: number, seq: number, vocab: number, seed: number): BenchSequence[] {
  const rng = new Mulberry32(seed)
  const first = Math.floor(seq / 4)
  return Array.from({ length: count }, () => {
    const tokens = new Int32Array(seq)
    const lossMask = new Uint8Array(seq)
    for (let i = 0; i < seq; i++) {
      tokens[i] = rng.below(vocab)
      lossMask[i] = i >= first ? 1 : 0
    }
    return { tokens, lossMask }
  })
}
