// The one seed policy: a commitment's evaluation is seeded by its block's hash (vectors from
// Python's hashlib, an independent implementation of the definition in lib/evaluate/seed.ts).
import t from 'tap'

import { evaluationSeed, hypotheticalEvaluationSeeds, InvalidArgumentError } from '../../lib/index.js'

t.test('seed vectors, and bad block hashes refused', async (t) => {
  t.equal(evaluationSeed(`0x${'00'.repeat(32)}`), 13199892203929481816n)
  t.equal(evaluationSeed(`0x${'ab'.repeat(32)}`), 2095838699404547053n, 'uses all 64 bits')
  t.equal(evaluationSeed(`0x${'AB'.repeat(32)}`), 2095838699404547053n, 'the hash is read case-insensitively, as hex')
  t.throws(() => evaluationSeed('ab'.repeat(32)), InvalidArgumentError, 'no 0x')
  t.throws(() => evaluationSeed('0xab'), InvalidArgumentError, 'too short')
  t.throws(() => evaluationSeed(42 as unknown as string), InvalidArgumentError)
})

t.test('hypothetical draws for a preview before committing: fixed, distinct, through the same function', async (t) => {
  t.same(hypotheticalEvaluationSeeds(3), [3041187972362594937n, 350822005922683001n, 6232396613785749930n])
  t.same(hypotheticalEvaluationSeeds(2), hypotheticalEvaluationSeeds(3).slice(0, 2), 'K draws are the first K of more')
  t.throws(() => hypotheticalEvaluationSeeds(0), InvalidArgumentError)
  t.throws(() => hypotheticalEvaluationSeeds(1.5), InvalidArgumentError)
})
