// Fixed inputs for the timelock fixtures (test/reference/make_timelock_vectors.py), shared by the
// script that writes our ciphertexts and the test that checks them. Randomness is a seeded
// sha256 stream, so our ciphertexts are the same bytes on every run of the current code.
import { createHash } from 'node:crypto'

import { encodeWeightsPayload, encryptTimelocked, QUICKNET, type TimelockedWeightsInput } from '../../lib/chain/index.js'

/** drand quicknet's round 1000 and its public signature (https://api.drand.sh/<quicknet>/public/1000). */
export const ROUND_1000 = 1000n
export const SIGNATURE_1000 = 'b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39'

/** A wall clock (ms) at which `blocks` blocks of 12 s from now fall in round 1000 (quicknet: 3 s per round from genesis). */
export const clockForRound1000 = (blocks: number) => () => (QUICKNET.genesisTime + 1000 * 3 - blocks * 12 + 1) * 1000

export function seededRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0
  return (n) => {
    const out = Buffer.alloc(n)
    for (let at = 0; at < n; at += 32) {
      createHash('sha256').update(`${seed}:${counter++}`).digest().copy(out, at, 0, Math.min(32, n - at))
    }
    return out
  }
}

export type OurCase =
  | { name: string; kind: 'bytes'; plaintextHex: string }
  | { name: string; kind: 'weights'; weights: Omit<TimelockedWeightsInput, 'revealRound' | 'versionKey'> & { versionKey: string } }

export const OUR_CASES: OurCase[] = [
  { name: 'short text', kind: 'bytes', plaintextHex: Buffer.from('flock timelock').toString('hex') },
  { name: 'empty', kind: 'bytes', plaintextHex: '' },
  { name: '1000 bytes', kind: 'bytes', plaintextHex: Buffer.from(seededRandom('big')(1000)).toString('hex') },
  { name: 'weights, ss58 hotkey', kind: 'weights', weights: { hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', uids: [0, 1, 2, 7], values: [65535, 32768, 1, 0], versionKey: '843000' } },
  {
    name: 'weights, hex hotkey, 70 uids, u64 max key', kind: 'weights',
    weights: { hotkey: `0x${'8e'.repeat(32)}`, uids: Array.from({ length: 70 }, (_, i) => i * 3), values: Array.from({ length: 70 }, (_, i) => (i * 937) % 65536), versionKey: '18446744073709551615' },
  },
]

export function plaintextOf(c: OurCase): Uint8Array {
  if (c.kind === 'bytes') return Buffer.from(c.plaintextHex, 'hex')
  return encodeWeightsPayload({ ...c.weights, versionKey: BigInt(c.weights.versionKey) })
}

/** Our ciphertext of a case, to round 1000, from its own seed. */
export function ourCiphertext(c: OurCase): Uint8Array {
  return encryptTimelocked(plaintextOf(c), ROUND_1000, { random: seededRandom(c.name) })
}
