// LocalChain's own promises: state survives restarts, writes are atomic and locked so
// several clients (processes in a demo) share one file, a damaged file is reported by
// field, and the optional block timer follows the clock it is given.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import t, { type Test } from 'tap'

import { ChainRequestError, ChainStateError, LocalChain } from '../../lib/chain/index.js'
import { devAccounts } from '../helpers/chain-fixtures.js'
import { helperScript } from '../helpers/paths.js'

function stateFile(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'flock-local-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'state.json')
}

t.test('state survives a restart', async (t) => {
  const { alice, bob } = await devAccounts()
  const path = stateFile(t)
  const first = await LocalChain.open({ path, hotkey: bob.address })
  await first.createSubnet(1, { tempo: 20, weightsVersionKey: 3n })
  await first.register(1, alice.address, { validatorPermit: true, stake: 10n ** 18n })
  await first.register(1, bob.address)
  const receipt = await first.publishCommitment(1, 'bob/data:x')
  await first.advanceBlocks(5)

  const again = await LocalChain.open({ path, hotkey: alice.address })
  t.equal(again.genesisHash, first.genesisHash)
  t.same(await again.currentBlock(), await first.currentBlock())
  t.equal((await again.currentBlock()).number, 6)
  t.same(await again.commitmentOf(1, bob.address), { hotkey: bob.address, block: receipt.blockNumber, text: 'bob/data:x' })
  t.equal((await again.metagraph(1)).neurons[0]!.stake, 10n ** 18n)
  t.equal((await again.weightsPolicy(1)).versionKey, 3n)
  t.not(receipt.blockHash, (await again.currentBlock()).hash, 'each block has its own hash')
})

t.test('concurrent writers on one file lose nothing and leave no temp files', async (t) => {
  const { alice, bob, charlie, dave } = await devAccounts()
  const path = stateFile(t)
  const admin = await LocalChain.open({ path })
  await admin.createSubnet(1)
  const miners = [alice, bob, charlie, dave]
  for (const m of miners) await admin.register(1, m.address)
  const clients = await Promise.all(miners.map((m) => LocalChain.open({ path, hotkey: m.address })))
  const receipts = await Promise.all(clients.flatMap((c, i) => [c.publishCommitment(1, `m${i}/a:1`), admin.advanceBlocks(1)]))
  t.equal((await admin.currentBlock()).number, 8, 'four extrinsics and four advances, each its own block')
  const blocks = receipts.map((r) => ('blockNumber' in r ? r.blockNumber : r.number)).sort((a, b) => a - b)
  t.same(blocks, [1, 2, 3, 4, 5, 6, 7, 8])
  t.same((await admin.commitments(1)).map((c) => c.text).sort(), ['m0/a:1', 'm1/a:1', 'm2/a:1', 'm3/a:1'])
  const dir = join(path, '..')
  t.same(readdirSync(dir).filter((f) => f !== 'state.json'), [], 'no temp or lock files left behind')
  t.doesNotThrow(() => JSON.parse(readFileSync(path, 'utf8')))
})

t.test('several processes share one chain file', async (t) => {
  const { alice, bob, charlie } = await devAccounts()
  const path = stateFile(t)
  const admin = await LocalChain.open({ path, maxSpace: 1_000_000 })
  await admin.createSubnet(1, { tempo: 1000 })
  const writers = [alice, bob, charlie]
  for (const w of writers) await admin.register(1, w.address)
  const codes = await Promise.all(writers.map((w) => new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [...helperScript('local-chain-writer'), path, w.address, '10'], { stdio: 'inherit' })
    child.on('exit', resolve)
  })))
  t.same(codes, [0, 0, 0])
  // 3 writers x 10 rounds x (one advance + one extrinsic): every block counted once.
  t.equal((await admin.currentBlock()).number, 60)
  const commitments = await admin.commitments(1)
  t.same(commitments.map((c) => c.text).sort(), writers.map((w) => `${w.address.slice(0, 8)}/n:9`).sort())
})

t.test('a damaged state file is reported by field, never half-read', async (t) => {
  const path = stateFile(t)
  const chain = await LocalChain.open({ path })
  await chain.createSubnet(4)
  const good = JSON.parse(readFileSync(path, 'utf8'))
  const cases: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{"version": 1,', /is not valid JSON/],
    ['wrong version', { ...good, version: 2 }, /version \(expected 1\)/],
    ['negative block', { ...good, block: -1 }, /block is missing or malformed/],
    ['stake not a number', { ...good, subnets: { 4: { ...good.subnets[4], neurons: [{ hotkey: 'x', validatorPermit: true, stake: 'lots', lastUpdate: 0, registeredAt: 0 }] } } }, /subnets\.4\.neurons\[0\]/],
    ['bad netuid', { ...good, subnets: { 70000: good.subnets[4] } }, /subnets\.70000/],
  ]
  for (const [what, doc, reason] of cases) {
    writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc))
    const err = await chain.metagraph(4).catch((e: unknown) => e)
    t.ok(err instanceof ChainStateError, `${what}: ChainStateError`)
    t.match((err as Error).message, reason, what)
    t.match((err as Error).message, path, `${what}: names the file`)
  }
})

t.test('the block timer follows the clock', async (t) => {
  const path = stateFile(t)
  let now = 1_000_000
  const chain = await LocalChain.open({ path, blockTimeMs: 12_000, now: () => now })
  await chain.createSubnet(1, { tempo: 10 })
  t.equal((await chain.currentBlock()).number, 0)
  now += 12_000 * 3 + 5
  t.equal((await chain.currentBlock()).number, 3)
  await chain.advanceBlocks(2)
  t.equal((await chain.currentBlock()).number, 5)
  now += 12_000
  t.same(await chain.epoch(1), { block: 6, tempo: 10, scheduler: 'legacy', index: 0, startBlock: 0, nextEpochBlock: 9, blocksUntilNextEpoch: 11 - ((6 + 2) % 11) })
  const restarted = await LocalChain.open({ path, blockTimeMs: 1, now: () => now })
  t.equal((await restarted.currentBlock()).number, 6, 'the block time is fixed when the chain is made')
})

t.test('administration refuses nonsense', async (t) => {
  const { alice } = await devAccounts()
  const path = stateFile(t)
  const chain = await LocalChain.open({ path })
  await chain.createSubnet(1)
  await t.rejects(chain.createSubnet(1), /already exists/)
  await t.rejects(chain.createSubnet(70_000), ChainRequestError)
  await t.rejects(chain.register(2, alice.address), /subnet 2 does not exist/)
  await t.rejects(chain.register(1, 'not-an-address'), ChainRequestError)
  await chain.register(1, alice.address)
  await t.rejects(chain.register(1, alice.address), /already registered/)
  await t.rejects(chain.advanceBlocks(-1), ChainRequestError)
  await t.rejects(chain.publishCommitment(1, 'x'), /no hotkey to sign with/)
  await t.rejects(chain.commitmentOf(1), /no hotkey to sign with/)
  const signer = await LocalChain.open({ path, hotkey: alice.address })
  await t.rejects(signer.publishCommitment(1, ''), /commitment is empty/)
  await t.rejects(signer.publishCommitment(1, 'x'.repeat(385)), /at most 384 fit/)
  await t.rejects(LocalChain.open({ path, hotkey: 'bob' }), ChainRequestError)
  t.ok(existsSync(path))
})
