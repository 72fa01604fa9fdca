// Sending weights on the local chain: with commit-reveal on (v4), a timelocked commit its block step
// opens at the reveal epoch (the chain's own beacon); with --weights.commit_reveal hash, a hash
// commit revealed by the next start of the validator once the reveal epoch comes; the cold-start
// burn to the owner uid; at most once per epoch and never sooner than the rate limit.
import t from 'tap'

import { openLocalNetwork } from '../../lib/local-subnet/index.js'
import { localSubnet } from '../helpers/local-subnet.js'

const never = new AbortController().signal

t.test('commit-reveal v4: a timelocked commit the chain opens at the reveal epoch', async (t) => {
  const s = await localSubnet(t, { tempo: 9, commitRevealEnabled: true, revealPeriodEpochs: 1, weightsSetRateLimit: 0 })
  const validatorUid = (await s.net.chain.metagraph(s.netuid)).neurons.find((n) => n.hotkey === s.net.validatorHotkey)!.uid
  const v = await s.assemble()
  t.teardown(() => v.close())
  const r = await v.validator.runRound({ signal: never, wholeQueue: true })
  // netuid 3, tempo 9: committed in epoch 0, epoch 1 begins at 6; local rounds are block numbers
  t.match(r.sent, { status: 'committed', via: 'commit_timelocked_weights', revealRound: 6, revealBlock: 6 })
  t.equal((await s.net.chain.weights(s.netuid)).get(validatorUid), undefined, 'nothing visible before the reveal')
  await s.net.chain.advanceBlocks(6 - (await s.net.chain.currentBlock()).number - 1)
  t.equal((await s.net.chain.weights(s.netuid)).get(validatorUid), undefined, 'nor the block before')
  await s.net.chain.advanceBlocks(1)
  t.same((await s.net.chain.weights(s.netuid)).get(validatorUid), [[0, 65535]], 'applied by the block step, no reveal sent')
})

t.test('--weights.commit_reveal hash: committed in one run, revealed by the restarted validator', async (t) => {
  const s = await localSubnet(t, { tempo: 9, commitRevealEnabled: true, revealPeriodEpochs: 1, weightsSetRateLimit: 0 })
  const validatorUid = (await s.net.chain.metagraph(s.netuid)).neurons.find((n) => n.hotkey === s.net.validatorHotkey)!.uid
  const first = await s.assemble({ weights: { commitReveal: 'hash' } })
  const r1 = await first.validator.runRound({ signal: never, wholeQueue: true })
  await first.close()
  t.equal(r1.burned, true, 'no miners: a cold start')
  t.same(r1.weights, { uids: [0], values: [65535] }, 'all weight to the owner uid')
  t.match(r1.sent, { status: 'committed', via: 'commit_weights' })
  t.equal((await s.net.chain.weights(s.netuid)).get(validatorUid), undefined, 'nothing visible before the reveal')

  await s.net.chain.advanceBlocks(10) // into the reveal epoch
  const restarted = await openLocalNetwork({ stateDir: s.dir, netuid: s.netuid })
  const second = await s.assemble({ chain: restarted.chain, weights: { commitReveal: 'hash' } })
  const r2 = await second.validator.runRound({ signal: never, wholeQueue: true })
  await second.close()
  t.same((await s.net.chain.weights(s.netuid)).get(validatorUid), [[0, 65535]], 'revealed on chain after the restart')
  t.equal(r2.sent.status, 'committed', 'and this epoch\'s weights committed in turn')
})

t.test('once per epoch, and not sooner than the rate limit', async (t) => {
  const s = await localSubnet(t, { tempo: 1000, weightsSetRateLimit: 50 })
  const v = await s.assemble({ blocksPerEpoch: 5 })
  t.teardown(() => v.close())
  const r1 = await v.validator.runRound({ signal: never, wholeQueue: true })
  t.equal(r1.sent.status, 'set')
  const r2 = await v.validator.runRound({ signal: never, wholeQueue: true })
  t.match(r2.sent, { status: 'skipped', reason: /already sent this epoch/ })
  await s.net.chain.advanceBlocks(5)
  const r3 = await v.validator.runRound({ signal: never, wholeQueue: true })
  t.not(r3.epoch, r1.epoch)
  t.match(r3.sent, { status: 'skipped', reason: /rate limit: last update \d+ blocks ago, the subnet allows one every 50/ })
  await s.net.chain.advanceBlocks(50)
  t.equal((await v.validator.runRound({ signal: never, wholeQueue: true })).sent.status, 'set')
})
