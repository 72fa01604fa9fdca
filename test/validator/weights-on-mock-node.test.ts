// A validator round against the mock subtensor node in each runtime generation, sending weights by
// the path the chain state calls for: set_weights with commit-reveal off; a timelocked commit with
// commit-reveal on (v4), which the chain applies once the drand pulse is stored; a hash commit
// (--weights.commit_reveal hash) revealed by the restarted validator in the next epoch, on the
// new WeightCommits layout. Also the round's epoch as the chain schedules it, including an
// owner-triggered epoch end, and a miner's commitment that counts once revealed.
// The model, eval set and hub are the local network's (tiny model); the chain is the mock node.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import t, { type Test } from 'tap'
import type { KeyringPair } from '@polkadot/keyring/types'

import { formatCommitment, SubtensorChain, type SubtensorChainOptions } from '../../lib/chain/index.js'
import { hashRows } from '../../lib/dataset/index.js'
import { datasetRepo, publishDataset } from '../../lib/hub/index.js'
import { countingRows, localCompetitionConfig, openLocalNetwork, toJsonl } from '../../lib/local-subnet/index.js'
import { assembleValidator, type AssembleOptions } from '../../lib/validator/assemble.js'
import { asHotkey, devAccounts } from '../helpers/chain-fixtures.js'
import { quietLogger } from '../helpers/local-subnet.js'
import type { Generation } from '../helpers/subtensor-mock/codec.js'
import { MockSubtensor } from '../helpers/subtensor-mock/node.js'
import type { SubnetParams } from '../helpers/subtensor-mock/runtime.js'
import { clockForRound1000, SIGNATURE_1000 } from '../helpers/timelock-cases.js'

const never = new AbortController().signal
const NETUID = 3

async function mockSubnet(t: Test, generation: Generation, params: Partial<SubnetParams>) {
  const dir = mkdtempSync(join(tmpdir(), 'flock-mock-validator-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const net = await openLocalNetwork({ stateDir: dir, netuid: NETUID }) // for the hub, the tiny model and the eval set
  const node = await MockSubtensor.start({ generation })
  t.teardown(() => node.close())
  const { alice, bob, charlie } = await devAccounts()
  node.addSubnet(NETUID, { rateLimit: 0, ...params })
  node.register(NETUID, charlie.address) // uid 0: the owner, who gets the weight on a cold start
  const validatorUid = node.register(NETUID, alice.address, { validatorPermit: true, stake: 10n ** 12n })
  const connect = (who: KeyringPair, extra: Partial<SubtensorChainOptions> = {}) =>
    SubtensorChain.connect({ network: node.url, hotkey: asHotkey(who), stateDir: join(dir, 'chain', who.address), timeoutMs: 20_000, txTimeoutMs: 20_000, ...extra })
  const assemble = async (chain: SubtensorChain, over: Partial<AssembleOptions> = {}) => {
    const v = await assembleValidator({
      chain, hub: net.hub, netuid: NETUID, config: localCompetitionConfig, stateDir: join(dir, 'validator'), cacheDir: join(dir, 'validator', 'hub-cache'),
      logger: quietLogger(), numThreads: 2, resolveFiles: async () => ({ modelDir: net.paths.model, evalPath: net.paths.evalSet }), ...over,
    })
    t.teardown(async () => {
      await v.close()
      await chain.close()
    })
    return v
  }
  return { node, net, alice, bob, validatorUid, connect, assemble }
}

t.test('commit-reveal off: set_weights, in either generation', async (t) => {
  for (const generation of ['legacy', 'stateful'] as const) {
    t.test(generation, async (t) => {
      const s = await mockSubnet(t, generation, { tempo: 20, commitReveal: false })
      const v = await s.assemble(await s.connect(s.alice))
      const r = await v.validator.runRound({ signal: never, wholeQueue: true })
      t.match(r.sent, { status: 'set', via: 'set_weights' })
      t.match(s.node.included.at(-1)!.decoded, { call: 'setWeights', args: { netuid: NETUID, dests: [0], weights: [65535] } })
      t.same(s.node.weightsOf(NETUID, s.validatorUid), [[0, 65535]], 'on chain at once: all to the owner on a cold start')
    })
  }
})

t.test('commit-reveal on (v4): a timelocked commit, applied by the chain once the pulse is stored', async (t) => {
  for (const generation of ['legacy', 'stateful'] as const) {
    t.test(generation, async (t) => {
      const s = await mockSubnet(t, generation, { tempo: 9, commitReveal: true, revealPeriodEpochs: 1 })
      s.node.produceBlocks(2)
      // the validator commits at head 2 (its reads send nothing). legacy, netuid 3, tempo 9: epoch 1
      // begins at 6; stateful (subnet added at 0): epoch 1 begins at 9. The SDK aims 3 blocks later.
      const revealBlock = generation === 'legacy' ? 6 : 9
      const v = await s.assemble(await s.connect(s.alice, { now: clockForRound1000(revealBlock + 3 - 2) }))
      const r = await v.validator.runRound({ signal: never, wholeQueue: true })
      t.match(r.sent, { status: 'committed', via: 'commit_timelocked_weights', revealRound: 1000, revealBlock })
      t.match(s.node.included.at(-1)!.decoded, { call: 'commitTimelockedWeights', args: { netuid: NETUID, reveal_round: 1000, commit_reveal_version: 4 } })
      t.same(s.node.weightsOf(NETUID, s.validatorUid), [], 'hidden until the reveal')
      s.node.produceBlocks(revealBlock + 3 - s.node.head.number)
      s.node.storePulse(1000n, SIGNATURE_1000)
      s.node.produceBlocks(1)
      t.same(s.node.weightsOf(NETUID, s.validatorUid), [[0, 65535]], 'the chain decrypted and applied them: no reveal from the validator')
    })
  }
})

t.test('--weights.commit_reveal hash on the new layout: committed, then revealed by the restarted validator', async (t) => {
  const s = await mockSubnet(t, 'stateful', { tempo: 9, commitReveal: true, revealPeriodEpochs: 1 })
  const first = await s.assemble(await s.connect(s.alice), { weights: { commitReveal: 'hash' } })
  const r1 = await first.validator.runRound({ signal: never, wholeQueue: true })
  t.match(r1.sent, { status: 'committed', via: 'commit_weights' })
  t.equal(r1.epoch, 0)
  const stored = s.node.state.get('subtensorModule', 'weightCommits', NETUID, s.alice.address)!.toPrimitive() as unknown[][]
  t.same(stored.map((c) => [c[1], c[3]]), [[0, 0]], 'stored as (hash, commit epoch 0, commit block, 0)')
  await first.close()
  // epoch 1 begins at 9 (added at 0, tempo 9)
  s.node.produceBlocks(9 - s.node.head.number)
  const second = await s.assemble(await s.connect(s.alice), { weights: { commitReveal: 'hash' } })
  const reveals = await second.validator.revealPending()
  t.match(reveals, [{ status: 'revealed' }], 'revealed in epoch 1; a client reading the old layout would call it expired')
  t.same(s.node.weightsOf(NETUID, s.validatorUid), [[0, 65535]])
  const r2 = await second.validator.runRound({ signal: never, wholeQueue: true })
  t.equal(r2.epoch, 1)
  t.match(r2.sent, { status: 'committed', via: 'commit_weights' }, 'and this epoch\'s weights committed in turn')
})

t.test('the round\'s epoch is the chain\'s: an owner-triggered epoch ends it early', async (t) => {
  const s = await mockSubnet(t, 'stateful', { tempo: 100, commitReveal: false })
  const chain = await s.connect(s.alice)
  s.node.produceBlocks(10)
  t.match(await chain.epoch(NETUID), { index: 0, startBlock: 0, nextEpochBlock: 100 })
  s.node.setSubnetParams(NETUID, { pendingEpochAt: 20 })
  const v = await s.assemble(chain, { marginBlocks: 5 })
  // not a whole-queue round: it stops starting evaluations at the epoch's end (block 19) minus 5
  s.node.produceBlocks(5) // head 15 >= 19 - 5: the epoch is ending
  const { bob } = s
  s.node.register(NETUID, bob.address)
  const rows = countingRows(24, 2)
  const p = await publishDataset(s.net.hub, { repo: datasetRepo('bob/data'), content: toJsonl(rows), pathInRepo: 'data.jsonl' })
  const miner = await s.connect(bob)
  await miner.publishCommitment(NETUID, formatCommitment('bob/data', p.sha, hashRows(rows), bob.address))
  await miner.close()
  const r = await v.validator.runRound({ signal: never })
  t.equal(r.epoch, 0)
  t.equal(r.deferred, 1, 'the owner-triggered end at 20 left no time to evaluate')
  t.equal(r.evaluated.length, 0)
})

t.test('a miner who commits timelocked is evaluated once the commitment is revealed', async (t) => {
  const s = await mockSubnet(t, 'stateful', { tempo: 50, commitReveal: false })
  const { bob } = s
  const uid = s.node.register(NETUID, bob.address)
  s.node.produceBlocks(1)
  const rows = countingRows(24, 2)
  const p = await publishDataset(s.net.hub, { repo: datasetRepo('bob/data'), content: toJsonl(rows), pathInRepo: 'data.jsonl' })
  const miner = await s.connect(bob, { now: clockForRound1000(5) })
  await miner.publishCommitment(NETUID, formatCommitment('bob/data', p.sha, hashRows(rows), bob.address), { timelockBlocks: 5 })
  await miner.close()
  const v = await s.assemble(await s.connect(s.alice))
  const hidden = await v.validator.runRound({ signal: never, wholeQueue: true })
  t.equal(hidden.candidates, 0, 'not a candidate while hidden')
  s.node.produceBlocks(5)
  s.node.storePulse(1000n, SIGNATURE_1000)
  s.node.produceBlocks(1)
  const seen = await v.validator.runRound({ signal: never, wholeQueue: true })
  t.equal(seen.candidates, 1)
  t.match(seen.evaluated, [{ uid, status: 'scored', proofValid: true }], 'revealed, downloaded, proof checked against the committing hotkey, scored')
})
