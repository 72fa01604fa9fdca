// Pairwise win rates with an age-decaying advantage for the earlier commitment.
import t from 'tap'

import { beats, epsilonAt, winRates } from '../../lib/index.js'

const decay = { epsilonStart: 0.1, epsilonEnd: 0.02, epsilonDecayBlocks: 100 }

t.test('epsilon decays linearly from start to end over decayBlocks, then stays at end', async (t) => {
  t.equal(epsilonAt(0, decay), 0.1)
  t.equal(epsilonAt(-5, decay), 0.1, 'a commitment from the future counts as new')
  t.ok(Math.abs(epsilonAt(25, decay) - 0.08) < 1e-12)
  t.ok(Math.abs(epsilonAt(50, decay) - 0.06) < 1e-12)
  t.ok(Math.abs(epsilonAt(99, decay) - 0.0208) < 1e-12)
  t.equal(epsilonAt(100, decay), 0.02)
  t.equal(epsilonAt(10_000, decay), 0.02)
  t.equal(epsilonAt(40, { epsilonStart: 0.04, epsilonEnd: 0.04, epsilonDecayBlocks: 10 }), 0.04, 'a fixed epsilon')
})

t.test('the earlier commitment wins unless the later one beats its handicapped loss', async (t) => {
  const early = { uid: 1, loss: 1.0, commitBlock: 100 }
  // at block 100 the early miner's ε is 0.1: its loss counts as 0.9
  t.ok(beats(early, { uid: 2, loss: 0.95, commitBlock: 150 }, 100, decay), 'a later loss of 0.95 does not beat 1.0·(1−0.1)')
  t.notOk(beats({ uid: 2, loss: 0.95, commitBlock: 150 }, early, 100, decay))
  t.ok(beats({ uid: 2, loss: 0.89, commitBlock: 150 }, early, 100, decay), '0.89 < 0.9 beats it')
  t.notOk(beats(early, { uid: 2, loss: 0.89, commitBlock: 150 }, 100, decay))
  // 100 blocks later ε = 0.02: 0.95 now beats 1.0·0.98
  t.ok(beats({ uid: 2, loss: 0.95, commitBlock: 150 }, early, 200, decay), 'the advantage decays with the age of the earlier commitment')
  t.notOk(beats(early, { uid: 2, loss: 0.95, commitBlock: 150 }, 200, decay))
})

t.test('same block: plain comparison; an exact tie is a win for neither', async (t) => {
  const a = { uid: 1, loss: 1.0, commitBlock: 5 }
  t.ok(beats({ uid: 2, loss: 0.99, commitBlock: 5 }, a, 5, decay))
  t.notOk(beats(a, { uid: 2, loss: 1.0, commitBlock: 5 }, 5, decay))
  t.notOk(beats({ uid: 2, loss: 1.0, commitBlock: 5 }, a, 5, decay))
})

t.test('win rate = wins / opponents; one miner alone has 1', async (t) => {
  t.same(winRates([{ uid: 7, loss: 3, commitBlock: 1 }], 10, decay), new Map([[7, 1]]))
  t.same(winRates([], 10, decay), new Map())
  const rates = winRates(
    [
      { uid: 3, loss: 2.0, commitBlock: 10 },
      { uid: 1, loss: 1.0, commitBlock: 10 },
      { uid: 2, loss: 1.5, commitBlock: 10 },
    ],
    10,
    decay,
  )
  t.same([...rates], [[1, 1], [2, 0.5], [3, 0]], 'in uid order')
  // uid 5 is 10% better than uid 4 but later and inside the handicap: uid 4 beats it
  const held = winRates([{ uid: 4, loss: 1.0, commitBlock: 100 }, { uid: 5, loss: 0.91, commitBlock: 101 }], 100, decay)
  t.same([...held], [[4, 1], [5, 0]])
})
