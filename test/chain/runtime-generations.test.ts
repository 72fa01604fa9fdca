// SubtensorChain against both runtime generations the mock node serves (spec 346, and the
// derived metadata with the stateful epoch scheduler): what it reads from the metadata, epochs
// from chain state (LastEpochBlock, SubnetEpochIndex, PendingEpochAt), hash commit-reveal on the
// new WeightCommits layout, timelocked weight commits the chain applies once the drand pulse of
// their round is stored, and timelocked commitments seen once revealed.
// Expected blocks are worked out by hand in the comments, not by calling lib/chain/epoch.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import t, { type Test } from 'tap'
import type { KeyringPair } from '@polkadot/keyring/types'

import { SubtensorChain, type SubtensorChainOptions } from '../../lib/chain/index.js'
import { asHotkey, devAccounts } from '../helpers/chain-fixtures.js'
import { MockSubtensor } from '../helpers/subtensor-mock/node.js'
import type { Generation } from '../helpers/subtensor-mock/codec.js'
import { clockForRound1000, SIGNATURE_1000 } from '../helpers/timelock-cases.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const PROOF = 'f'.repeat(32)

async function start(t: Test, generation: Generation) {
  const node = await MockSubtensor.start({ generation })
  t.teardown(() => node.close())
  const dir = mkdtempSync(join(tmpdir(), 'flock-generations-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const connect = async (who: KeyringPair, extra: Partial<SubtensorChainOptions> = {}) => {
    const chain = await SubtensorChain.connect({ network: node.url, hotkey: asHotkey(who), stateDir: join(dir, who.address), timeoutMs: 20_000, txTimeoutMs: 20_000, ...extra })
    t.teardown(() => chain.close())
    return chain
  }
  return { node, connect }
}

t.test('what the client reads from each generation\'s metadata', async (t) => {
  const { alice } = await devAccounts()
  for (const [generation, spec, scheduler, layout] of [['legacy', 346, 'legacy', 'block-window'], ['stateful', 425, 'stateful', 'epoch']] as const) {
    const { connect } = await start(t, generation)
    const chain = await connect(alice)
    t.match(chain.runtime, { specVersion: spec, scheduler, weightCommits: layout, timelockedWeights: true, mechanisms: true, commitRevealVersion: true, revealedCommitments: true }, generation)
  }
})

t.test('stateful scheduler: epochs from chain state, an owner-triggered epoch, commitment space per epoch', async (t) => {
  const { alice } = await devAccounts()
  const { node, connect } = await start(t, 'stateful')
  node.produceBlocks(5)
  // added at block 5: LastEpochBlock 5, SubnetEpochIndex 0; tempo 10 steps it at 15, 25, 35...
  node.addSubnet(2, { tempo: 10 })
  node.register(2, alice.address, { validatorPermit: true })
  const chain = await connect(alice)
  t.same(await chain.epoch(2), { block: 5, tempo: 10, scheduler: 'stateful', index: 0, startBlock: 5, nextEpochBlock: 15, blocksUntilNextEpoch: 10 })
  node.produceBlocks(10)
  t.same(await chain.epoch(2), { block: 15, tempo: 10, scheduler: 'stateful', index: 1, startBlock: 15, nextEpochBlock: 25, blocksUntilNextEpoch: 10 }, 'the step at 15 began epoch 1')
  node.setSubnetParams(2, { pendingEpochAt: 19 })
  t.match(await chain.epoch(2), { index: 1, nextEpochBlock: 19 }, 'the owner triggered one at 19')
  node.produceBlocks(4)
  t.match(await chain.epoch(2), { block: 19, index: 2, startBlock: 19, nextEpochBlock: 29 }, 'and the period runs from there')
  // commitment space is counted per SubnetEpochIndex
  await chain.publishCommitment(2, `alice/data:${SHA}:${PROOF}`)
  t.equal((await chain.commitmentSpace(2)).used, 100)
  node.produceBlocks(29 - node.head.number)
  t.equal((await chain.commitmentSpace(2)).used, 0, 'epoch 3 began at 29: space renewed')
})

t.test('hash commit-reveal on the new WeightCommits layout (hash, commit epoch, commit block, 0)', async (t) => {
  const { alice, bob } = await devAccounts()
  const { node, connect } = await start(t, 'stateful')
  // added at 0, tempo 10: epoch 1 begins at 10, epoch 2 at 20, epoch 3 at 30
  node.addSubnet(3, { tempo: 10, rateLimit: 0, commitReveal: true, revealPeriodEpochs: 1 })
  node.register(3, alice.address, { validatorPermit: true })
  node.register(3, bob.address)
  const v = await connect(alice)
  node.produceBlocks(2)
  const pending = await v.commitWeights(3, [0, 1], [10, 20])
  t.equal(pending.commitBlock, 3)
  const stored = node.state.get('subtensorModule', 'weightCommits', 3, alice.address)!.toPrimitive() as unknown[][]
  t.same(stored.map((c) => c.slice(1)), [[0, 3, 0]], 'stored as (hash, epoch 0, block 3, 0)')
  t.same(await v.revealPendingWeights(3), [{ status: 'waiting', commitHash: pending.commitHash, revealFrom: 10 }], 'revealable in epoch 1, from block 10')
  node.produceBlocks(9 - node.head.number)
  // head 9: a reveal sent now lands in block 10, the first of epoch 1
  const outcomes = await v.revealPendingWeights(3)
  t.match(outcomes, [{ status: 'revealed', receipt: { blockNumber: 10 } }])
  t.same(node.weightsOf(3, 0), [[0, 10], [1, 20]], 'applied')
  t.equal(node.state.get('subtensorModule', 'weightCommits', 3, alice.address), null, 'the commit is gone')

  const late = await v.commitWeights(3, [0, 1], [1, 1])
  t.equal(late.commitBlock, 11)
  node.setSubnetParams(3, { pendingEpochAt: 14 })
  node.produceBlocks(15)
  // epoch 1 (commit) → 2 began at 14 (owner-triggered), 3 at 24: the reveal epoch 2 has passed
  t.same(await v.revealPendingWeights(3), [{ status: 'expired', commitHash: late.commitHash }])
  await t.rejects(v.revealPendingWeights(3).then((o) => (o.length === 0 ? Promise.reject(new Error('none left')) : o)), /none left/)
})

t.test('timelocked weight commits: the chain applies them once the drand pulse of their round is stored', async (t) => {
  const { alice, bob } = await devAccounts()
  for (const generation of ['legacy', 'stateful'] as const) {
    t.test(generation, async (t) => {
      const { node, connect } = await start(t, generation)
      node.addSubnet(3, { tempo: 9, rateLimit: 0, commitReveal: true, revealPeriodEpochs: 1 })
      node.register(3, alice.address, { validatorPermit: true })
      node.register(3, bob.address)
      node.produceBlocks(2)
      // head 2. legacy (netuid 3, tempo 9): epoch floor((2 + 4) / 10) = 0, epoch 1 begins at 6.
      // stateful (added at 0, tempo 9): the commit lands in epoch 0, epoch 1 begins at 9.
      // The SDK aims 3 blocks after: 12 s per block from now to block 9, resp. 12.
      const revealBlock = generation === 'legacy' ? 6 : 9
      const v = await connect(alice, { now: clockForRound1000(revealBlock + 3 - 2) })
      const c = await v.commitTimelockedWeights(3, [0, 1], [40, 50])
      t.equal(c.revealRound, 1000n, 'encrypted to round 1000')
      t.equal(c.revealBlock, revealBlock)
      t.equal(c.commitRevealVersion, 4)
      const sent = node.included.at(-1)!.decoded
      t.match(sent, { pallet: 'subtensorModule', call: 'commitTimelockedWeights', args: { netuid: 3, reveal_round: 1000, commit_reveal_version: 4 } })
      t.equal(node.included.at(-1)!.error, null)
      node.produceBlocks(12)
      t.same(node.weightsOf(3, 0), [], 'not before the pulse is stored')
      node.storePulse(1000n, SIGNATURE_1000)
      node.produceBlocks(1)
      t.same(node.weightsOf(3, 0), [[0, 40], [1, 50]], 'decrypted and applied by the chain')
      // a commit the chain cannot open (here: encrypted to a round whose pulse is another's) is accepted and never applied
      const wrong = await connect(bob, { now: clockForRound1000(revealBlock + 3 - node.head.number + 1000) })
      node.setSubnetParams(3, { rateLimit: 0 })
      const c2 = await wrong.commitTimelockedWeights(3, [0, 1], [7, 7])
      t.not(c2.revealRound, 1000n, "another round")
      node.storePulse(c2.revealRound, SIGNATURE_1000)
      node.produceBlocks(30)
      t.same(node.weightsOf(3, 1), [], 'accepted on chain, never applied')
      t.equal(node.included.at(-1)!.error, null)
    })
  }
})

t.test('mechanism variants: set_mechanism_weights and the storage index', async (t) => {
  const { alice, bob } = await devAccounts()
  const { node, connect } = await start(t, 'stateful')
  node.addSubnet(4, { tempo: 10, rateLimit: 0 })
  node.register(4, alice.address, { validatorPermit: true })
  node.register(4, bob.address)
  const v = await connect(alice)
  await t.rejects(v.setWeights(4, [0, 1], [1, 2], undefined, 1), /MechanismDoesNotExist/)
  node.setMechanismCount(4, 2)
  await v.setWeights(4, [0, 1], [3, 4], undefined, 1)
  t.match(node.included.at(-1)!.decoded, { call: 'setMechanismWeights', args: { netuid: 4, mecid: 1 } })
  t.same(node.weightsOf(4, 0, 1), [[0, 3], [1, 4]], 'stored under 1 * 4096 + 4')
  t.same(node.weightsOf(4, 0), [], 'not the main mechanism\'s')
  // hash commits of a mechanism hash its storage index and are revealed by the mechanism call
  node.setSubnetParams(4, { commitReveal: true })
  await v.commitWeights(4, [0, 1], [5, 6], undefined, 1)
  node.produceBlocks(10)
  t.match(await v.revealPendingWeights(4), [{ status: 'revealed' }])
  t.match(node.included.at(-1)!.decoded, { call: 'revealMechanismWeights', args: { mecid: 1 } })
  t.same(node.weightsOf(4, 0, 1), [[0, 5], [1, 6]])
})

t.test('timelocked commitments: hidden until revealed, then seen at their reveal block', async (t) => {
  const { alice, bob, charlie } = await devAccounts()
  for (const generation of ['legacy', 'stateful'] as const) {
    t.test(generation, async (t) => {
      const { node, connect } = await start(t, generation)
      node.addSubnet(5, { tempo: 360 })
      for (const who of [alice, bob, charlie]) node.register(5, who.address)
      const text = `bob/data:${SHA}:${PROOF}`
      // 7 blocks of 12 s: round 1000
      const miner = await connect(bob, { now: clockForRound1000(7) })
      const r = await miner.publishCommitment(5, text, { timelockBlocks: 7 })
      const pending = await miner.commitmentOf(5)
      t.same(pending, { hotkey: bob.address, block: r.blockNumber, text: null, revealRound: 1000 }, 'its own view: pending, with its round')
      const other = await connect(charlie)
      await other.publishCommitment(5, `charlie/data:${SHA}:${PROOF}`)
      t.same((await other.commitments(5)).map((c) => c.hotkey), [charlie.address], 'hidden from everyone until revealed')
      node.produceBlocks(3)
      node.storePulse(1000n, SIGNATURE_1000)
      node.produceBlocks(1)
      const revealedAt = node.head.number
      t.equal(node.state.get('commitments', 'commitmentOf', 5, bob.address), null, 'CommitmentOf removed once revealed')
      const seen = await other.commitments(5)
      t.same(seen.find((c) => c.hotkey === bob.address), { hotkey: bob.address, block: revealedAt, text }, 'read from RevealedCommitments')
      t.same(await other.commitmentOf(5, bob.address), { hotkey: bob.address, block: revealedAt, text })
      // a later plain commitment wins over the revealed one
      const plain = `bob/other:${SHA}:${PROOF}`
      const later = await miner.publishCommitment(5, plain)
      t.same(await other.commitmentOf(5, bob.address), { hotkey: bob.address, block: later.blockNumber, text: plain })
      // the timelocked one was charged its ciphertext: the 82-byte text behind a 2-byte SCALE length, plus 244; the plain one 100
      t.same(await miner.commitmentSpace(5), { used: (Buffer.byteLength(text) + 2 + 244) + 100, max: 3100, deposit: 0n }, 'the ciphertext is charged its length')
    })
  }
})
