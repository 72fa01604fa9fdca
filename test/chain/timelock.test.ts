// Timelocked weights against bittensor-drand, the SDK's own library, both directions, to drand
// quicknet round 1000 (public signature): its ciphertexts open here; ours open there (the verdict
// in the fixture is about the exact bytes the current code writes, checked by their sha256).
// Also: the SCALE payload, the reveal rounds the SDK computes for both epoch schedulers, and
// wrong signatures or broken bytes failing with TimelockError.
// Fixtures: test/reference/make_timelock_vectors.py (the command is in its docstring).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import t from 'tap'
import { bls12_381 as bls } from '@noble/curves/bls12-381.js'
import { u8aToHex } from '@polkadot/util'
import { decodeAddress } from '@polkadot/util-crypto'

import { decodeWeightsPayload, decryptTimelocked, decryptTimelockedWeights, encodeWeightsPayload, encryptTimelocked, encryptTimelockedWeights, LocalBeacon, roundAfterBlocks, timelockRevealRound, TimelockError, ChainRequestError, type EpochState } from '../../lib/chain/index.js'
import { repoRoot } from '../helpers/paths.js'
import { OUR_CASES, ourCiphertext, plaintextOf, ROUND_1000, SIGNATURE_1000 } from '../helpers/timelock-cases.js'

const fixtures = join(repoRoot, 'test', 'fixtures', 'chain')
interface Weights { hotkey: string; uids: number[]; values: number[]; versionKey: string }
interface Vectors {
  signature: string
  theirs: Array<{ name: string; plaintext: string; ciphertext: string; weights?: Weights }>
  ours: Array<{ name: string; sha256: string; opened: boolean; plaintext?: string; weights?: Weights }>
  statefulRounds: Array<{ state: Omit<Extract<EpochState, { scheduler: 'stateful' }>, 'scheduler' | 'netuid'>; revealPeriodEpochs: number; blockSeconds: number; before: number; after: number; revealRound: number }>
  legacyRounds: Array<{ state: { netuid: number; tempo: number; block: number }; revealPeriodEpochs: number; blockSeconds: number; before: number; after: number; revealRound: number }>
  commitmentRounds: Array<{ blocks: number; blockSeconds: number; before: number; after: number; revealRound: number }>
  sdkCommit: { ciphertext: string; revealRound: number; payloadBytes: number }
}
const vectors = JSON.parse(readFileSync(join(fixtures, 'timelock-vectors.json'), 'utf8')) as Vectors
const oursFile = JSON.parse(readFileSync(join(fixtures, 'timelock-ours.json'), 'utf8')) as { cases: Array<{ name: string; ciphertext: string }> }
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const bytes = (h: string) => Buffer.from(h, 'hex')
const asWeights = (w: Weights) => ({ hotkey: w.hotkey, uids: w.uids, values: w.values, versionKey: BigInt(w.versionKey) })

t.test('the fixture signature is quicknet\'s for round 1000', async (t) => {
  t.equal(vectors.signature, SIGNATURE_1000)
})

t.test('bittensor-drand\'s ciphertexts open here', async (t) => {
  t.ok(vectors.theirs.length >= 4)
  for (const c of vectors.theirs) {
    const opened = decryptTimelocked(bytes(c.ciphertext), SIGNATURE_1000)
    t.equal(hex(opened), c.plaintext, `${c.name}: plaintext`)
    if (c.weights) {
      t.same(decryptTimelockedWeights(bytes(c.ciphertext), SIGNATURE_1000), asWeights(c.weights), `${c.name}: decodes to the payload it encrypted`)
      t.equal(hex(encodeWeightsPayload(asWeights(c.weights))), c.plaintext, `${c.name}: our encoding is the same bytes`)
    }
  }
})

t.test('ours open in bittensor-drand, and the verdict is about the bytes the current code writes', async (t) => {
  t.equal(vectors.ours.length, OUR_CASES.length)
  for (const c of OUR_CASES) {
    const current = ourCiphertext(c)
    const file = oursFile.cases.find((x) => x.name === c.name)!
    t.equal(hex(current), file.ciphertext, `${c.name}: the current code writes the fixture's bytes`)
    const verdict = vectors.ours.find((v) => v.name === c.name)!
    t.equal(verdict.sha256, createHash('sha256').update(current).digest('hex'), `${c.name}: the verdict is about these bytes`)
    t.equal(verdict.opened, true, `${c.name}: bittensor-drand opened it`)
    t.equal(verdict.plaintext, hex(plaintextOf(c)), `${c.name}: to the plaintext we encrypted`)
    if (c.kind === 'weights') t.same(verdict.weights, { ...c.weights, hotkey: u8aToHex(decodeAddress(c.weights.hotkey)) }, `${c.name}: its decoding of our payload`)
    t.equal(hex(decryptTimelocked(current, SIGNATURE_1000)), hex(plaintextOf(c)), `${c.name}: opens here too`)
  }
})

t.test('encryptTimelockedWeights: the commit subtensor decrypts, from an ss58 or hex hotkey', async (t) => {
  const input = { hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', uids: [4, 1], values: [9, 65535], versionKey: 12n, revealRound: ROUND_1000 }
  const commit = encryptTimelockedWeights(input)
  t.equal(commit.length, encodeWeightsPayload(input).length + 244, 'payload + 244 bytes of header and framing')
  const opened = decryptTimelockedWeights(commit, SIGNATURE_1000)
  t.same(opened, { hotkey: '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d', uids: [4, 1], values: [9, 65535], versionKey: 12n })
  const byHex = decryptTimelockedWeights(encryptTimelockedWeights({ ...input, hotkey: opened.hotkey }), SIGNATURE_1000)
  t.same(byHex, opened)
  t.not(hex(encryptTimelockedWeights(input)), hex(commit), 'fresh randomness each time')
  t.throws(() => encryptTimelockedWeights({ ...input, hotkey: 'not-a-key' }), ChainRequestError)
  t.throws(() => encryptTimelockedWeights({ ...input, hotkey: '0x1234' }), /not a 32-byte public key/)
  t.throws(() => encryptTimelockedWeights({ ...input, uids: [1] }), /1 uids but 2 weights/)
  t.throws(() => encryptTimelockedWeights({ ...input, values: [1, 70000] }), ChainRequestError)
})

t.test('the payload decodes only when it is exactly one WeightsTlockPayload', async (t) => {
  const p = encodeWeightsPayload({ hotkey: `0x${'11'.repeat(32)}`, uids: [1, 2, 3], values: [4, 5, 6], versionKey: 2n ** 64n - 1n })
  t.equal(hex(p), `80${'11'.repeat(32)}0c010002000300` + '0c040005000600' + 'ff'.repeat(8))
  t.same(decodeWeightsPayload(p), { hotkey: `0x${'11'.repeat(32)}`, uids: [1, 2, 3], values: [4, 5, 6], versionKey: 2n ** 64n - 1n })
  t.throws(() => decodeWeightsPayload(Buffer.concat([p, Buffer.from([0])])), { name: 'TimelockError', message: /1 bytes after/ })
  t.throws(() => decodeWeightsPayload(p.subarray(0, 40)), TimelockError)
  const shortKey = encodeWeightsPayload({ hotkey: `0x${'11'.repeat(32)}`, uids: [], values: [], versionKey: 0n })
  shortKey[0] = 0x7c // a 31-byte hotkey: the Vec now claims one byte less
  t.throws(() => decodeWeightsPayload(shortKey), TimelockError)
})

t.test('a wrong signature or broken bytes fail with TimelockError, never anything else', async (t) => {
  const commit = ourCiphertext(OUR_CASES[0]!)
  const otherRound = bls.G1.Point.BASE.multiply(7n).toHex(true)
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['another valid G1 point', () => decryptTimelocked(commit, otherRound), /does not open this ciphertext/],
    ['not hex', () => decryptTimelocked(commit, 'zz'.repeat(48)), /48 bytes of hex/],
    ['not a point', () => decryptTimelocked(commit, 'a'.repeat(96)), /not a point of G1/],
    ['truncated', () => decryptTimelocked(commit.subarray(0, 150), SIGNATURE_1000), /ends inside/],
    ['trailing bytes', () => decryptTimelocked(Buffer.concat([commit, Buffer.from([1])]), SIGNATURE_1000), /follow the ciphertext/],
    ['empty', () => decryptTimelocked(new Uint8Array(0), SIGNATURE_1000), /ends inside the header point U/],
    ['a broken point U', () => decryptTimelocked(Buffer.concat([Buffer.alloc(96, 0xff), commit.subarray(96)]), SIGNATURE_1000), /not a point of G2/],
    ['a huge length', () => decryptTimelocked(Buffer.concat([commit.subarray(0, 96), Buffer.from('ffffffffffffffff', 'hex'), commit.subarray(104)]), SIGNATURE_1000), /claims/],
  ]
  const flipped = Buffer.from(commit)
  flipped[flipped.length - 40]! ^= 1 // inside the AES ciphertext
  cases.push(['a flipped body byte', () => decryptTimelocked(flipped, SIGNATURE_1000), /authentication tag/])
  const suite = Buffer.from(commit)
  suite[suite.length - 1] = 0x41
  cases.push(['another cipher suite', () => decryptTimelocked(suite, SIGNATURE_1000), /cipher suite/])
  for (const [name, run, message] of cases) t.throws(run, { name: 'TimelockError', code: 'E_TIMELOCK', message }, name)
  t.throws(() => decryptTimelockedWeights(ourCiphertext(OUR_CASES[0]!), SIGNATURE_1000), /not a WeightsTlockPayload/, 'opens, but is not a payload')
})

t.test('the SDK\'s own commit (its SCALE payload, a future round) parses; round 1000\'s signature does not open it', async (t) => {
  const c = bytes(vectors.sdkCommit.ciphertext)
  t.equal(c.length, vectors.sdkCommit.payloadBytes + 244)
  t.throws(() => decryptTimelocked(c, SIGNATURE_1000), { name: 'TimelockError', message: /does not open/ })
})

t.test('reveal rounds as the SDK computes them: stateful scheduler (bittensor-drand 2.0 get_encrypted_commit_v2)', async (t) => {
  for (const v of vectors.statefulRounds) {
    const state: EpochState = { scheduler: 'stateful', netuid: 1, ...v.state }
    const at = (s: number) => Number(timelockRevealRound(state, v.revealPeriodEpochs, { nowSeconds: s, blockSeconds: v.blockSeconds }).revealRound)
    t.ok(at(v.before) <= v.revealRound && v.revealRound <= at(v.after), `${JSON.stringify(v.state)}, period ${v.revealPeriodEpochs}: ${v.revealRound} in [${at(v.before)}, ${at(v.after)}]`)
  }
})

t.test('reveal rounds as the SDK computes them: legacy scheduler (bittensor-drand 1.2 get_encrypted_commit)', async (t) => {
  for (const v of vectors.legacyRounds) {
    const state: EpochState = { scheduler: 'legacy', ...v.state }
    const at = (s: number) => Number(timelockRevealRound(state, v.revealPeriodEpochs, { nowSeconds: s, blockSeconds: v.blockSeconds }).revealRound)
    t.ok(at(v.before) <= v.revealRound && v.revealRound <= at(v.after), `${JSON.stringify(v.state)}, period ${v.revealPeriodEpochs}: ${v.revealRound} in [${at(v.before)}, ${at(v.after)}]`)
  }
  t.throws(() => timelockRevealRound({ scheduler: 'legacy', netuid: 1, tempo: 0, block: 5 }, 1, { nowSeconds: 2e9, blockSeconds: 12 }), /tempo 0/)
})

t.test('timelocked commitments: the round the SDK\'s get_encrypted_commitment picks', async (t) => {
  for (const v of vectors.commitmentRounds) {
    const at = (s: number) => Number(roundAfterBlocks(v.blocks, { nowSeconds: s, blockSeconds: v.blockSeconds }))
    t.ok(at(v.before) <= v.revealRound && v.revealRound <= at(v.after), `${v.blocks} blocks of ${v.blockSeconds} s: ${v.revealRound}`)
  }
})

t.test('a beacon of one\'s own (the local chain\'s) opens what was encrypted to its key only', async (t) => {
  const beacon = new LocalBeacon('0b'.repeat(32))
  const c = encryptTimelocked(Buffer.from('local'), 77n, { publicKey: beacon.publicKey })
  t.equal(Buffer.from(decryptTimelocked(c, beacon.signatureHex(77n))).toString(), 'local')
  t.throws(() => decryptTimelocked(c, beacon.signatureHex(78n)), TimelockError, 'another round')
  t.throws(() => decryptTimelocked(c, SIGNATURE_1000), TimelockError, 'another beacon')
  t.throws(() => new LocalBeacon('00'.repeat(32)), TimelockError)
})
