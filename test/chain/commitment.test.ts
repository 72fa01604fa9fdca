// The commitment string: round trip, binding to the hotkey, and a strict parser that
// reports bad input as a value.
import { createHash } from 'node:crypto'

import t from 'tap'

import { ChainRequestError, commitmentProof, formatCommitment, parseCommitment, verifyCommitmentProof } from '../../lib/chain/index.js'

const MINER = '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV'
const COPIER = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty'
const CONTENT = createHash('sha256').update('rows').digest('hex')
const SHA = '0123456789abcdef0123456789abcdef01234567'

t.test('format, parse and verify round trip', async (t) => {
  const text = formatCommitment('flock-io/my-data.v2', SHA, CONTENT, MINER)
  const expectedProof = createHash('sha256').update(Buffer.from(CONTENT, 'hex')).update(MINER).digest('hex').slice(0, 32)
  t.equal(text, `flock-io/my-data.v2:${SHA}:${expectedProof}`)
  const parsed = parseCommitment(text)
  t.same(parsed, { ok: true, commitment: { repo: 'flock-io/my-data.v2', revision: SHA, proof: expectedProof } })
  if (!parsed.ok) return
  t.same(verifyCommitmentProof(parsed.commitment, CONTENT, MINER), { ok: true })
})

t.test('a commitment copied to another hotkey fails verification', async (t) => {
  const parsed = parseCommitment(formatCommitment('alice/data', SHA, CONTENT, MINER))
  if (!parsed.ok) return t.fail('did not parse')
  const check = verifyCommitmentProof(parsed.commitment, CONTENT, COPIER)
  t.equal(check.ok, false)
  if (!check.ok) t.match(check.reason, COPIER)
  const other = createHash('sha256').update('other rows').digest('hex')
  t.equal(verifyCommitmentProof(parsed.commitment, other, MINER).ok, false, 'other content')
  t.equal(verifyCommitmentProof(parsed.commitment, 'not-a-hash', MINER).ok, false)
  t.equal(verifyCommitmentProof(parsed.commitment, CONTENT, 'nobody').ok, false)
  t.not(commitmentProof(CONTENT, MINER), commitmentProof(CONTENT, COPIER))
})

const PROOF = 'a'.repeat(32)
const bad: Array<[string, string | null, RegExp]> = [
  ['not raw UTF-8', null, /not raw UTF-8/],
  ['empty', '', /repo:sha:proof/],
  ['two parts (live subnet without proof)', `alice/data:${SHA}`, /repo:sha:proof/],
  ['four parts', `alice/data:comp:${SHA}:${PROOF}`, /repo:sha:proof/],
  ['no owner', `data:${SHA}:${PROOF}`, /owner\/name/],
  ['two slashes', `a/b/c:${SHA}:${PROOF}`, /owner\/name/],
  ['traversal', `../etc:${SHA}:${PROOF}`, /invalid part/],
  ['double dash', `alice/da--ta:${SHA}:${PROOF}`, /invalid part/],
  ['leading dot', `alice/.data:${SHA}:${PROOF}`, /invalid part/],
  ['space', `alice/my data:${SHA}:${PROOF}`, /invalid part/],
  ['name too long', `alice/${'x'.repeat(97)}:${SHA}:${PROOF}`, /invalid part/],
  ['short sha', `alice/data:${SHA.slice(1)}:${PROOF}`, /40-hex/],
  ['branch name', `alice/data:main:${PROOF}`, /40-hex/],
  ['upper-case sha', `alice/data:${SHA.toUpperCase()}:${PROOF}`, /40-hex/],
  ['short proof', `alice/data:${SHA}:${PROOF.slice(1)}`, /proof/],
  ['non-hex proof', `alice/data:${SHA}:${'g'.repeat(32)}`, /proof/],
  ['over 384 bytes', `alice/data:${SHA}:${PROOF}${'x'.repeat(400)}`, /384 bytes/],
]

for (const [name, text, reason] of bad) {
  t.test(`rejects ${name} as a value`, async (t) => {
    const parsed = parseCommitment(text)
    t.equal(parsed.ok, false)
    if (!parsed.ok) t.match(parsed.reason, reason)
  })
}

t.test('formatting our own commitment refuses bad input loudly', async (t) => {
  t.throws(() => formatCommitment('nope', SHA, CONTENT, MINER), ChainRequestError)
  t.throws(() => formatCommitment('a/b', 'main', CONTENT, MINER), ChainRequestError)
  t.throws(() => formatCommitment('a/b', SHA, 'abc', MINER), ChainRequestError)
  t.throws(() => formatCommitment('a/b', SHA, CONTENT, 'not-an-address'), ChainRequestError)
})

t.test('the longest valid commitment fits in three raw fields', async (t) => {
  const text = formatCommitment(`${'o'.repeat(96)}/${'n'.repeat(96)}`, SHA, CONTENT, MINER)
  t.ok(Buffer.byteLength(text) <= 384)
  t.equal(parseCommitment(text).ok, true)
})
