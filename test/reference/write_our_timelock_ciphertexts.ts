// Writes test/fixtures/chain/timelock-ours.json: our ciphertexts (to drand quicknet round 1000) of
// the fixed cases in test/helpers/timelock-cases.ts, for make_timelock_vectors.py to open with
// bittensor-drand. Run before it (see that script's docstring).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { OUR_CASES, ourCiphertext, plaintextOf } from '../helpers/timelock-cases.js'
import { repoRoot } from '../helpers/paths.js'

const out = OUR_CASES.map((c) => ({
  name: c.name, kind: c.kind, plaintext: Buffer.from(plaintextOf(c)).toString('hex'), ciphertext: Buffer.from(ourCiphertext(c)).toString('hex'),
  ...(c.kind === 'weights' ? { weights: c.weights } : {}),
}))
const file = join(repoRoot, 'test', 'fixtures', 'chain', 'timelock-ours.json')
writeFileSync(file, `${JSON.stringify({ round: 1000, cases: out }, null, 1)}\n`)
console.log(`wrote ${out.length} ciphertexts to ${file}`)
