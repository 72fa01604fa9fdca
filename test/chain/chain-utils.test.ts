// Small pure parts of the chain room: endpoints by network name, scores to u16 weights,
// subtensor's epoch arithmetic.
import t from 'tap'

import { blocksUntilNextEpoch, ChainRequestError, epochIndex, NETWORKS, resolveEndpoint, revealTiming, revealWindow, toU16Weights } from '../../lib/index.js'

t.test('networks by name or endpoint', async (t) => {
  t.equal(resolveEndpoint('finney'), 'wss://entrypoint-finney.opentensor.ai:443')
  t.equal(resolveEndpoint('test'), 'wss://test.finney.opentensor.ai:443')
  t.equal(resolveEndpoint('local'), 'ws://127.0.0.1:9944')
  t.equal(resolveEndpoint('ws://10.0.0.2:9944'), 'ws://10.0.0.2:9944')
  t.equal(Object.keys(NETWORKS).length, 3)
  t.throws(() => resolveEndpoint('toString'), ChainRequestError)
  t.throws(() => resolveEndpoint('http://127.0.0.1:9944'), /ws:\/\/ or wss:\/\//)
  t.throws(() => resolveEndpoint('finney2'), /neither a network/)
})

t.test('scores become u16 weights, largest = 65535', async (t) => {
  t.same(toU16Weights([3, 1, 2], [0.5, 1, 0.25]), { uids: [3, 1, 2], values: [32768, 65535, 16384] })
  t.same(toU16Weights([0, 1], [1e-9, 1]), { uids: [1], values: [65535] }, 'weights rounding to zero are left out')
  t.same(toU16Weights([0, 1], [0, 0]), { uids: [], values: [] })
  t.throws(() => toU16Weights([0], [1, 2]), ChainRequestError)
  t.throws(() => toU16Weights([0, 0], [1, 2]), /appears twice/)
  t.throws(() => toU16Weights([70000], [1]), /not a u16/)
  t.throws(() => toU16Weights([0], [Number.NaN]), /finite non-negative/)
  t.throws(() => toU16Weights([0], [-1]), /finite non-negative/)
})

t.test('epoch arithmetic as subtensor does it', async (t) => {
  // netuid 1, tempo 360: epoch index = floor((block + 2) / 361).
  t.equal(epochIndex(1, 360, 358), 0)
  t.equal(epochIndex(1, 360, 359), 1)
  t.equal(blocksUntilNextEpoch(1, 360, 358), 0, 'the step runs at block 358')
  t.equal(blocksUntilNextEpoch(1, 360, 359), 360)
  t.equal(blocksUntilNextEpoch(1, 0, 5), Number.POSITIVE_INFINITY)
  // Committed at 100 (epoch 0), reveal period 2: reveal only in epoch 2 = blocks 720..1080.
  t.same(revealWindow(1, 360, 2, 100), { firstBlock: 720, lastBlock: 1080 })
  t.equal(revealTiming(1, 360, 2, 100, 719), 'early')
  t.equal(revealTiming(1, 360, 2, 100, 720), 'open')
  t.equal(revealTiming(1, 360, 2, 100, 1080), 'open')
  t.equal(revealTiming(1, 360, 2, 100, 1081), 'expired')
})
