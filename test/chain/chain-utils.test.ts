// Small pure parts of the chain room: endpoints by network name, subtensor's epoch arithmetic.
import t from 'tap'

import { blocksUntilNextEpoch, ChainRequestError, epochIndex, firstBlockOfEpoch, NETWORKS, resolveEndpoint, revealTiming } from '../../lib/chain/index.js'

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
  // revealTiming is asked at the head: a reveal sent then lands one block later.
  const at = (head: number) => ({ scheduler: 'legacy' as const, netuid: 1, tempo: 360, block: head })
  t.equal(firstBlockOfEpoch(at(100), 2), 720)
  t.equal(revealTiming(at(718), epochIndex(1, 360, 100), 2), 'early')
  t.equal(revealTiming(at(719), 0, 2), 'open')
  t.equal(revealTiming(at(1079), 0, 2), 'open')
  t.equal(revealTiming(at(1080), 0, 2), 'expired')
})
