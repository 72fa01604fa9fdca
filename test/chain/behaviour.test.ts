// One behaviour suite, run against LocalChain and against SubtensorChain talking to the
// mock node: the same calls must give the same observable results and the same errors.
// Expected numbers (epoch boundaries, reveal windows) are worked out here by hand from
// subtensor's formulas, not by calling lib/chain/epoch.
import t, { type Test } from 'tap'

import { ChainDispatchError, ChainRequestError, type Chain } from '../../lib/chain/index.js'
import { devAccounts, localFixture, subtensorFixture, type ChainFixture } from '../helpers/chain-fixtures.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const PROOF = 'f'.repeat(32)

async function dispatchError(t: Test, p: Promise<unknown>, pallet: string, name: string) {
  const err = await p.then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof ChainDispatchError, `ChainDispatchError ${pallet}.${name} (got ${String(err)})`)
  if (err instanceof ChainDispatchError) {
    t.equal(err.pallet, pallet)
    t.equal(err.error, name)
    t.equal(err.code, 'E_CHAIN_DISPATCH')
    t.ok(err.docs.length > 0, 'carries the error text')
  }
}

const head = async (c: Chain) => (await c.currentBlock()).number

for (const [name, make] of [['LocalChain', localFixture], ['SubtensorChain on the mock node', subtensorFixture]] as const) {
  t.test(name, async (t) => {
    const { alice, bob, charlie, dave } = await devAccounts()

    const setup = async (t: Test): Promise<ChainFixture> => {
      const f = await make()
      t.teardown(() => f.close())
      return f
    }

    t.test('metagraph, epochs and registration blocks', async (t) => {
      const f = await setup(t)
      await f.addSubnet(1, { tempo: 10 })
      await f.register(1, alice.address, { validatorPermit: true, stake: 1_000_000_000n })
      await f.advance(3)
      await f.register(1, bob.address)
      const v = await f.client(alice)
      const mg = await v.metagraph(1)
      t.equal(mg.netuid, 1)
      t.equal(mg.block, 3)
      t.equal(mg.blockHash, (await v.currentBlock()).hash)
      t.same(mg.neurons, [
        { uid: 0, hotkey: alice.address, validatorPermit: true, stake: 1_000_000_000n, lastUpdate: 0, registeredAt: 0 },
        { uid: 1, hotkey: bob.address, validatorPermit: false, stake: 0n, lastUpdate: 0, registeredAt: 3 },
      ])
      // Subnet 1, tempo 10: the epoch step runs where (block + 2) % 11 == 10, i.e. at blocks 8, 19, 30...,
      // and the next epoch begins the block after: 9, 20, 31...
      t.same(await v.epoch(1), { block: 3, tempo: 10, scheduler: 'legacy', index: 0, startBlock: 0, nextEpochBlock: 9, blocksUntilNextEpoch: 6 })
      await f.advance(6)
      t.same(await v.epoch(1), { block: 9, tempo: 10, scheduler: 'legacy', index: 1, startBlock: 9, nextEpochBlock: 20, blocksUntilNextEpoch: 11 })
      // block hashes: the head's, an included extrinsic's, and none past the head
      const headRef = await v.currentBlock()
      t.equal(await v.blockHash(headRef.number), headRef.hash)
      const genesis = await v.blockHash(0)
      t.match(genesis, /^0x[0-9a-f]{64}$/)
      t.not(genesis, headRef.hash)
      await t.rejects(v.blockHash(headRef.number + 1000), ChainRequestError)
      await t.rejects(v.blockHash(-1), ChainRequestError)
      await t.rejects(v.metagraph(9), ChainRequestError)
      await t.rejects(v.epoch(9), ChainRequestError)
      await t.rejects(v.weightsPolicy(9), ChainRequestError)
    })

    t.test('commitments: publish, read back with block, who may commit, space per epoch', async (t) => {
      const f = await setup(t)
      await f.addSubnet(2, { tempo: 360 })
      await f.register(2, alice.address, { validatorPermit: true })
      await f.register(2, bob.address)
      await f.register(2, charlie.address)
      const miner = await f.client(bob)
      const other = await f.client(charlie)
      const before = await head(miner)
      const text = `bob/data:${SHA}:${PROOF}`
      const receipt = await miner.publishCommitment(2, text)
      t.equal(receipt.blockNumber, before + 1, 'included in the next block')
      t.equal(await miner.blockHash(receipt.blockNumber), receipt.blockHash, 'the receipt names the block by its hash')
      t.same(await miner.commitmentOf(2), { hotkey: bob.address, block: before + 1, text })
      t.equal(Buffer.byteLength(text), 82)
      t.same(await miner.commitmentSpace(2), { used: 100, max: 3100, deposit: 0n }, 'a short commitment is charged 100')
      t.same(await miner.commitmentSpace(2, dave.address), { used: 0, max: 3100, deposit: null })
      await t.rejects(miner.commitmentSpace(9), ChainRequestError)
      const long = `${'o'.repeat(96)}/${'n'.repeat(96)}:${SHA}:${PROOF}`
      const r2 = await other.publishCommitment(2, long)
      t.same(await miner.commitments(2), [
        { hotkey: bob.address, block: before + 1, text },
        { hotkey: charlie.address, block: r2.blockNumber, text: long },
      ])
      t.same(await miner.commitmentOf(2, charlie.address), { hotkey: charlie.address, block: r2.blockNumber, text: long })
      t.equal(await miner.commitmentOf(2, dave.address), null)

      await dispatchError(t, (await f.client(dave)).publishCommitment(2, text), 'Commitments', 'AccountNotAllowedCommit')
      // 3100 bytes per epoch; a 267-byte commitment is charged 267: the 12th in one epoch is refused.
      t.equal(Buffer.byteLength(long), 267)
      for (let i = 1; i < 11; i++) await other.publishCommitment(2, long)
      await dispatchError(t, other.publishCommitment(2, long), 'Commitments', 'SpaceLimitExceeded')
      t.equal((await other.commitmentSpace(2)).used, 11 * 267)
      // Dave's refused call took block r2+1, the ten commitments r2+2..r2+11, the refused one r2+12.
      t.equal((await other.commitmentOf(2))!.block, r2.blockNumber + 11, 'the refused one changed nothing')
      t.equal(await head(other), r2.blockNumber + 12, 'a refused extrinsic is still included')
      // Next epoch of subnet 2 (tempo 360) starts at block 358: space is free again.
      await f.advance(358 - (await head(other)))
      t.equal((await other.commitmentSpace(2)).used, 0, 'a new epoch starts with no space used')
      await other.publishCommitment(2, long)
      t.equal((await other.commitmentSpace(2)).used, 267)
    })

    t.test('weights: rate limit, version key, permits and argument checks', async (t) => {
      const f = await setup(t)
      await f.addSubnet(1, { tempo: 100, weightsSetRateLimit: 5, weightsVersionKey: 7n, minAllowedWeights: 2 })
      await f.register(1, alice.address, { validatorPermit: true })
      await f.register(1, bob.address)
      await f.register(1, charlie.address)
      const v = await f.client(alice)
      t.same(await v.weightsPolicy(1), { rateLimit: 5, versionKey: 7n, commitRevealEnabled: false, revealPeriodEpochs: 1, tempo: 100, commitRevealVersion: 4 })
      t.equal(await v.commitRevealEnabled(1), false)

      await dispatchError(t, v.setWeights(1, [1, 2], [100, 200], 6n), 'SubtensorModule', 'IncorrectWeightVersionKey')
      const r = await v.setWeights(1, [1, 2], [100, 200])
      t.equal((await v.metagraph(1)).neurons[0]!.lastUpdate, r.blockNumber)
      await dispatchError(t, v.setWeights(1, [1, 2], [100, 200]), 'SubtensorModule', 'SettingWeightsTooFast')
      await f.advance(3)
      await v.setWeights(1, [1, 2], [1, 2], 8n)
      await f.advance(5)
      await dispatchError(t, v.setWeights(1, [1, 1], [1, 2]), 'SubtensorModule', 'DuplicateUids')
      await dispatchError(t, v.setWeights(1, [1, 7], [1, 2]), 'SubtensorModule', 'UidVecContainInvalidOne')
      await dispatchError(t, v.setWeights(1, [1], [1]), 'SubtensorModule', 'WeightVecLengthIsLow')
      const miner = await f.client(bob)
      await dispatchError(t, miner.setWeights(1, [0, 2], [1, 2]), 'SubtensorModule', 'NeuronNoValidatorPermit')
      await dispatchError(t, (await f.client(dave)).setWeights(1, [0, 1], [1, 2]), 'SubtensorModule', 'HotKeyNotRegisteredInSubNet')
      await t.rejects(v.setWeights(1, [1, 70000], [1, 2]), ChainRequestError)
      await t.rejects(v.setWeights(1, [1, 2], [1, -2]), ChainRequestError)
    })

    t.test('commit-reveal: commit, wait for the epoch, reveal after a restart, expiry', async (t) => {
      const f = await setup(t)
      // Subnet 3, tempo 10: epoch index = floor((block + 4) / 11); epochs start at 7, 18, 29, 40...
      await f.addSubnet(3, { tempo: 10, weightsSetRateLimit: 2, commitRevealEnabled: true, revealPeriodEpochs: 1 })
      await f.register(3, alice.address, { validatorPermit: true })
      await f.register(3, bob.address)
      const v = await f.client(alice)
      t.equal(await v.commitRevealEnabled(3), true)
      await dispatchError(t, v.setWeights(3, [1], [5]), 'SubtensorModule', 'CommitRevealEnabled')

      const pending = await v.commitWeights(3, [0, 1], [10, 20])
      t.equal(pending.receipt.blockNumber, 2)
      t.equal(pending.commitBlock, 2)
      t.equal(pending.hotkey, alice.address)
      t.equal((await v.metagraph(3)).neurons[0]!.lastUpdate, 2, 'a commit counts as activity')
      // Committed in epoch 0 (blocks 0-6): revealable only in epoch 1, blocks 7-17.
      t.same(await v.revealPendingWeights(3), [{ status: 'waiting', commitHash: pending.commitHash, revealFrom: 7 }])

      await f.advance(6 - (await head(v)))
      // A restarted validator (new client, same state folder) still reveals.
      const restarted = await f.client(alice, f.stateDir(alice))
      const outcomes = await restarted.revealPendingWeights(3)
      t.equal(outcomes.length, 1)
      t.equal(outcomes[0]!.status, 'revealed')
      if (outcomes[0]!.status === 'revealed') t.equal(outcomes[0]!.receipt.blockNumber, 7)
      t.same(await restarted.revealPendingWeights(3), [], 'nothing left to reveal')

      // A commit whose reveal epoch passes unrevealed expires and is dropped.
      const late = await restarted.commitWeights(3, [0, 1], [1, 1])
      t.equal(late.commitBlock, 8)
      await f.advance(18 + 11 - 8)
      t.same(await restarted.revealPendingWeights(3), [{ status: 'expired', commitHash: late.commitHash }])
      t.same(await restarted.revealPendingWeights(3), [])

      await dispatchError(t, (await f.client(bob)).commitWeights(3, [0], [1]).then(async () => {
        await f.advance(20)
        return (await f.client(dave)).commitWeights(3, [0], [1])
      }), 'SubtensorModule', 'HotKeyNotRegisteredInSubNet')
      await f.setSubnetParams(3, { commitRevealEnabled: false })
      await dispatchError(t, v.commitWeights(3, [0, 1], [1, 1]), 'SubtensorModule', 'CommitRevealDisabled')
    })
  })
}
