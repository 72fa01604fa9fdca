// Small pure parts of the chain room: endpoints by network name, subtensor's epoch arithmetic.
import t from 'tap'

import { blocksUntilNextEpoch, ChainRequestError, epochIndex, NETWORKS, resolveEndpoint, revealTiming, revealWindow } from '../../lib/index.js'

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
