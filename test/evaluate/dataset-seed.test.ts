// The evaluation seed comes from the dataset's content hash only (vectors from Python's hashlib).
import t from 'tap'

import { datasetEvaluationSeed, InvalidArgumentError } from '../../lib/index.js'

t.test('seed vectors, and bad hashes refused', async (t) => {
  t.equal(datasetEvaluationSeed('0'.repeat(64)), 1848838182578689418n)
  t.equal(datasetEvaluationSeed('ab'.repeat(32)), 12127491877309699142n, 'uses all 64 bits')
  t.throws(() => datasetEvaluationSeed('AB'.repeat(32)), InvalidArgumentError)
  t.throws(() => datasetEvaluationSeed('ab'), InvalidArgumentError)
})
