// From win rates to weights: softmax with temperature, smoothing across steps, u16
// conversion with deterministic ties, burn on a cold start, and the other two schemes.
import t from 'tap'

import {
  benchmarkScore, defaultCompetitionConfig, InvalidArgumentError, mapToU16, scoreRound, smoothWeights, softmax, stepWeights, toU16Weights, winnerTakeAll,
  type ScoringSettings, type Submission,
} from '../../lib/index.js'

const close = (a: number, b: number, eps = 1e-12): boolean => Math.abs(a - b) < eps

t.test('softmax with temperature', async (t) => {
  const hot = softmax([1, 0.5, 0], 1)
  const z = Math.exp(1) + Math.exp(0.5) + 1
  t.ok(close(hot[0]!, Math.exp(1) / z) && close(hot[1]!, Math.exp(0.5) / z) && close(hot[2]!, 1 / z))
  const cold = softmax([1, 0.5, 0], 0.01)
  t.ok(cold[0]! > 0.999999, 'a low temperature gives nearly everything to the best')
  t.ok(close(cold.reduce((a, b) => a + b, 0), 1))
  t.same(softmax([0.3, 0.3], 0.01), [0.5, 0.5], 'equal inputs share equally')
  t.same(softmax([], 1), [])
  t.throws(() => softmax([1], 0), RangeError)
  // SN9's T = 0.01 on win rates 1, 0.5, 0: the ratio of the top two is e^50
  const sn9 = softmax([1, 0.5, 0], 0.01)
  t.ok(close(Math.log(sn9[0]! / sn9[1]!), 50, 1e-9))
})

t.test('smoothing: W ← α·w + (1 − α)·W, normalized; a first step is w itself', async (t) => {
  const step = new Map([[1, 0.75], [2, 0.25]])
  t.same(smoothWeights(new Map(), step, 0.5), step, 'cold start')
  const w = smoothWeights(new Map([[1, 0.2], [3, 0.8]]), step, 0.5)
  t.same([...w.keys()], [1, 2, 3])
  t.ok(close(w.get(1)!, 0.475) && close(w.get(2)!, 0.125) && close(w.get(3)!, 0.4))
  const slow = smoothWeights(new Map([[3, 1]]), new Map([[1, 1]]), 0.05)
  t.ok(close(slow.get(1)!, 0.05) && close(slow.get(3)!, 0.95), 'a low alpha moves slowly')
  t.same(smoothWeights(new Map([[3, 1]]), new Map([[1, 1]]), 1), new Map([[1, 1]]), 'alpha 1 forgets the past')
  t.throws(() => smoothWeights(new Map(), step, 0), RangeError)
})

t.test('u16: max → 65535, others scaled and rounded half up, zeros left out, uid order', async (t) => {
  t.same(toU16Weights([3, 1, 2], [0.5, 1, 0.25]), { uids: [1, 2, 3], values: [65535, 16384, 32768] })
  t.same(toU16Weights([0, 1], [1e-9, 1]), { uids: [1], values: [65535] })
  t.same(toU16Weights([0, 1], [0, 0]), { uids: [], values: [] })
  t.same(toU16Weights([], []), { uids: [], values: [] })
  t.throws(() => toU16Weights([0], [1, 2]), InvalidArgumentError)
  t.throws(() => toU16Weights([0, 0], [1, 2]), /appears twice/)
  t.throws(() => toU16Weights([70000], [1]), /not a u16/)
  t.throws(() => toU16Weights([0], [Number.NaN]), /finite non-negative/)
  t.throws(() => toU16Weights([0], [-1]), /finite non-negative/)
})

t.test('u16 ties: equal weights get equal values, the same whatever the input order', async (t) => {
  const a = toU16Weights([5, 2, 9, 7], [0.3, 0.3, 0.2, 0.2])
  const b = toU16Weights([7, 9, 2, 5], [0.2, 0.2, 0.3, 0.3])
  t.same(a, { uids: [2, 5, 7, 9], values: [65535, 65535, 43690, 43690] })
  t.same(b, a)
  // 1/3 of 65535 is 21845 exactly; 1/131070 of it is 0.5, which rounds up
  t.same(toU16Weights([1, 2], [131070, 1]).values, [65535, 1])
  t.same(mapToU16(new Map([[4, 2], [1, 1]])), { uids: [1, 4], values: [32768, 65535] })
})

const scoring: ScoringSettings = { ...defaultCompetitionConfig.scoring, epsilonStart: 0.01, epsilonEnd: 0.001, epsilonDecayBlocks: 1000, temperature: 0.1, smoothingAlpha: 0.5 }
const sub = (uid: number, loss: number | null, over: Partial<Submission> = {}): Submission => ({
  uid, hotkey: `hk${uid}`, commitBlock: 100 + uid, registeredAt: 1, contentHash: `h${uid}`, proofValid: true, loss, failure: null, ...over,
})

t.test('a cold start with nothing eligible burns to the owner uid, never to a miner', async (t) => {
  const r = scoreRound({ submissions: [], block: 500, scoring, previous: new Map(), burnUid: 0 })
  t.equal(r.burned, true)
  t.same(r.u16, { uids: [0], values: [65535] })
  const failed = scoreRound({
    submissions: [sub(3, null, { failure: { code: 'download-failed', reason: 'HTTP 404' } })], block: 500, scoring, previous: new Map(), burnUid: 0,
  })
  t.same(failed.u16, { uids: [0], values: [65535] }, 'a failed miner is not paid')
  t.match(failed.ranking, [{ uid: 3, eligible: false, code: 'download-failed', reason: 'HTTP 404', weight: 0 }])
})

t.test('winrate scheme end to end: ranking, softmax weights, smoothing with the previous step', async (t) => {
  const subs = [sub(1, 2.0), sub(2, 1.0), sub(3, 1.5), sub(4, 1.0, { contentHash: 'h2' })]
  const r = scoreRound({ submissions: subs, block: 200, scoring, previous: new Map(), burnUid: 0 })
  t.equal(r.burned, false)
  t.same(r.ranking.map((x) => [x.uid, x.code, x.score]), [[2, 'scored', 1], [3, 'scored', 0.5], [1, 'scored', 0], [4, 'duplicate', null]])
  const z = 1 + Math.exp(-5) + Math.exp(-10)
  t.ok(close(r.weights.get(2)!, 1 / z) && close(r.weights.get(3)!, Math.exp(-5) / z) && close(r.weights.get(1)!, Math.exp(-10) / z))
  t.equal(r.weights.has(4), false)
  t.same(r.u16.uids, [1, 2, 3])
  t.equal(r.u16.values[1], 65535)
  const next = scoreRound({ submissions: subs, block: 200, scoring, previous: new Map([[0, 1]]), burnUid: 0 })
  t.ok(close(next.weights.get(0)!, 0.5), 'the previous burn decays by (1 − α)')
  t.ok(close(next.weights.get(2)!, 0.5 / z))
})

t.test('benchmark scheme: the curve, normalized scores as weights', async (t) => {
  const curve = { loss: 2, minLoss: 1, maxLoss: 4, power: 2, height: 0.4 }
  t.equal(benchmarkScore(0.5, curve), 1)
  t.equal(benchmarkScore(1, curve), 1)
  t.equal(benchmarkScore(2, curve), 0.4)
  t.ok(close(benchmarkScore(1.5, curve), 0.6 * 0.25 + 0.4), 'halfway between min and benchmark, power 2')
  t.ok(close(benchmarkScore(3, curve), 0.4 - 0.4 * 0.25))
  t.equal(benchmarkScore(4, curve), 0)
  t.equal(benchmarkScore(9, curve), 0)
  t.equal(benchmarkScore(Number.NaN, curve), 0)
  t.equal(benchmarkScore(2, { ...curve, height: undefined }), 0.5, 'default height')
  const bench: ScoringSettings = { ...scoring, scheme: 'benchmark', benchmark: curve }
  const s = stepWeights([{ uid: 1, hotkey: 'a', commitBlock: 1, eligible: true, loss: 1.5 }, { uid: 2, hotkey: 'b', commitBlock: 1, eligible: true, loss: 3 }, { uid: 3, hotkey: 'c', commitBlock: 1, eligible: true, loss: 5 }], bench, 10, 3)
  t.ok(close(s.weights.get(1)!, 0.55 / 0.85) && close(s.weights.get(2)!, 0.3 / 0.85))
  t.equal(s.weights.has(3), false, 'a zero score gets no weight')
  const allZero = scoreRound({ submissions: [sub(1, 9)], block: 200, scoring: bench, previous: new Map(), burnUid: 0 })
  t.equal(allZero.burned, true, 'every score zero: burn')
})

t.test('winner-take-all: the earliest commitment within the fraction of the best loss', async (t) => {
  const c = [
    { uid: 1, loss: 1.0, commitBlock: 300 },
    { uid: 2, loss: 1.04, commitBlock: 200 },
    { uid: 3, loss: 1.2, commitBlock: 100 },
  ]
  t.equal(winnerTakeAll(c, 0.05), 2, 'uid 2 is within 5% of the best and committed earlier')
  t.equal(winnerTakeAll(c, 0.01), 1, 'with 1% only the best qualifies')
  t.equal(winnerTakeAll(c, 0.5), 3)
  t.equal(winnerTakeAll([{ uid: 9, loss: 1, commitBlock: 5 }, { uid: 4, loss: 1, commitBlock: 5 }], 0.05), 4, 'same block: lower uid')
  t.equal(winnerTakeAll([], 0.05), null)
  const r = scoreRound({ submissions: [sub(1, 1.0), sub(2, 1.04, { commitBlock: 50 })], block: 200, scoring: { ...scoring, scheme: 'winner-take-all' }, previous: new Map(), burnUid: 0 })
  t.same(r.u16, { uids: [2], values: [65535] })
  t.same(r.ranking.map((x) => [x.uid, x.score]), [[2, 1], [1, 0]])
})
