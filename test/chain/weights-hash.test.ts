// The commit-reveal hash against vectors recorded by the bittensor SDK
// (test/reference/make_commit_reveal_vector.py).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import t from 'tap'

import { ChainRequestError, randomSalt, weightsCommitHash } from '../../lib/chain/index.js'
import { repoRoot } from '../helpers/paths.js'

interface Vector {
  address: string
  netuid: number
  uids: number[]
  values: number[]
  version_key: string
  salt: number[]
  hash: string
}

const doc = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'chain', 'commit-reveal-vectors.json'), 'utf8')) as {
  generator: string
  cases: Vector[]
}

t.match(doc.generator, /^bittensor \d/)
t.ok(doc.cases.length >= 5)

for (const [i, v] of doc.cases.entries()) {
  t.test(`vector ${i}: netuid ${v.netuid}, ${v.uids.length} uids, version key ${v.version_key}`, async (t) => {
    const input = { hotkey: v.address, netuid: v.netuid, uids: v.uids, values: v.values, salt: v.salt, versionKey: BigInt(v.version_key) }
    t.equal(weightsCommitHash(input), v.hash)
    // Any change in any part gives another hash.
    t.not(weightsCommitHash({ ...input, versionKey: input.versionKey ^ 1n }), v.hash)
    t.not(weightsCommitHash({ ...input, salt: [...v.salt, 1] }), v.hash)
  })
}

t.test('out-of-range parts are refused', async (t) => {
  const base = { hotkey: doc.cases[0]!.address, netuid: 1, uids: [0], values: [1], salt: [1], versionKey: 0n }
  t.throws(() => weightsCommitHash({ ...base, uids: [65536] }), ChainRequestError)
  t.throws(() => weightsCommitHash({ ...base, values: [-1] }), ChainRequestError)
  t.throws(() => weightsCommitHash({ ...base, netuid: 1.5 }), ChainRequestError)
  t.throws(() => weightsCommitHash({ ...base, versionKey: 1n << 64n }), ChainRequestError)
})

t.test('salts are eight u16 values and differ between calls', async (t) => {
  const a = randomSalt()
  const b = randomSalt()
  t.equal(a.length, 8)
  t.ok(a.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff))
  t.not(a.join(','), b.join(','))
})
