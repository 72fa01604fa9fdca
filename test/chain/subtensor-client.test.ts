// SubtensorChain through the real @polkadot/api against the mock node: storage decodes to
// the values written with the real codec, every extrinsic decodes to the intended call
// and carries a valid signature of the hotkey, dropped connections and stalls are handled,
// dispatch errors surface by name, and no secret is printed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import t, { type Test } from 'tap'
import { u8aToHex } from '@polkadot/util'

import { ChainConnectionError, ChainDispatchError, ChainTimeoutError, loadHotkey, SubtensorChain, weightsCommitHash, type Hotkey, type SubtensorChainOptions } from '../../lib/chain/index.js'
import { captureOutput, renderError } from '../helpers/capture.js'
import { devAccounts } from '../helpers/chain-fixtures.js'
import { repoRoot } from '../helpers/paths.js'
import { MockSubtensor } from '../helpers/subtensor-mock/node.js'
import { decodeExtrinsic } from '../helpers/subtensor-mock/verify.js'

const walletsDir = join(repoRoot, 'test', 'fixtures', 'chain', 'wallets')
const hotkeyJson = JSON.parse(readFileSync(join(walletsDir, 'fixture', 'hotkeys', 'default'), 'utf8')) as Record<string, string>
const SECRETS = [hotkeyJson.secretPhrase!, hotkeyJson.secretSeed!, hotkeyJson.secretSeed!.slice(2)]
const SM = 'subtensorModule'

async function start(t: Test) {
  const node = await MockSubtensor.start()
  t.teardown(() => node.close())
  const dir = mkdtempSync(join(tmpdir(), 'flock-subtensor-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const hotkey = await loadHotkey({ path: walletsDir, name: 'fixture', hotkey: 'default' })
  const connect = async (extra: Partial<SubtensorChainOptions> = {}, who: Hotkey = hotkey) => {
    const chain = await SubtensorChain.connect({ network: node.url, hotkey: who, stateDir: dir, timeoutMs: 10_000, txTimeoutMs: 10_000, reconnectDelayMs: 20, ...extra })
    t.teardown(() => chain.close())
    return chain
  }
  return { node, hotkey, connect }
}

t.test('reads decode to the values stored with the real codec', async (t) => {
  const { node, hotkey, connect } = await start(t)
  const { bob, charlie } = await devAccounts()
  node.addSubnet(5, { tempo: 99, rateLimit: 42, versionKey: 1n << 40n, commitReveal: true, revealPeriodEpochs: 3 })
  node.register(5, bob.address, { validatorPermit: true, stake: (1n << 60n) + 7n })
  node.produceBlocks(4)
  node.register(5, hotkey.address, { stake: 123n })
  node.register(5, charlie.address)
  node.state.set(SM, 'lastUpdate', [5], [1000n, 0n, 4_294_967_301n])
  node.state.set('commitments', 'commitmentOf', [5, bob.address], { deposit: 0, block: 3, info: { fields: [{ Raw3: '0x616263' }, { Raw2: '0x6465' }] } })
  node.state.set('commitments', 'commitmentOf', [5, charlie.address], { deposit: 0, block: 4, info: { fields: [{ Sha256: u8aToHex(new Uint8Array(32).fill(1)) }] } })
  node.state.set('commitments', 'commitmentOf', [5, hotkey.address], { deposit: 0, block: 4, info: { fields: [{ Raw2: '0xc328' }] } })
  node.produceBlocks(1)
  const chain = await connect()

  t.equal(chain.genesisHash, node.genesisHash)
  t.same(await chain.currentBlock(), { number: 5, hash: node.head.hash })
  t.same(await chain.weightsPolicy(5), { rateLimit: 42, versionKey: 1n << 40n, commitRevealEnabled: true, revealPeriodEpochs: 3, tempo: 99, commitRevealVersion: 4 })
  // tempo 99, netuid 5: the epoch step runs where (block + 6) % 100 == 99, i.e. at block 93; epoch 1 begins at 94.
  t.same(await chain.epoch(5), { block: 5, tempo: 99, scheduler: 'legacy', index: 0, startBlock: 0, nextEpochBlock: 94, blocksUntilNextEpoch: 89 })
  const mg = await chain.metagraph(5)
  t.same(mg, {
    netuid: 5, block: 5, blockHash: node.head.hash,
    neurons: [
      { uid: 0, hotkey: bob.address, validatorPermit: true, stake: (1n << 60n) + 7n, lastUpdate: 1000, registeredAt: 0 },
      { uid: 1, hotkey: hotkey.address, validatorPermit: false, stake: 123n, lastUpdate: 0, registeredAt: 4 },
      { uid: 2, hotkey: charlie.address, validatorPermit: false, stake: 0n, lastUpdate: 4_294_967_301, registeredAt: 4 },
    ],
  })
  t.same(await chain.commitments(5), [
    { hotkey: bob.address, block: 3, text: 'abcde' },
    { hotkey: hotkey.address, block: 4, text: null },
    { hotkey: charlie.address, block: 4, text: null },
  ], 'several raw fields join; hash fields and invalid UTF-8 give null text')
  t.same(await chain.commitmentOf(5, bob.address), { hotkey: bob.address, block: 3, text: 'abcde' })
  t.same(await chain.commitmentOf(5), { hotkey: hotkey.address, block: 4, text: null }, 'own commitment')
  t.same(await chain.commitmentOf(6, bob.address), null)
})

t.test('every extrinsic decodes to the intended call, signed by the hotkey', async (t) => {
  const { node, hotkey, connect } = await start(t)
  const { alice } = await devAccounts()
  node.addSubnet(1, { tempo: 10, rateLimit: 0, versionKey: 9n })
  node.addSubnet(3, { tempo: 10, rateLimit: 0, commitReveal: true })
  for (const netuid of [1, 3]) {
    node.register(netuid, hotkey.address, { validatorPermit: true })
    node.register(netuid, alice.address)
  }
  const chain = await connect()
  const long = `${'o'.repeat(96)}/${'n'.repeat(96)}:${'1'.repeat(40)}:${'2'.repeat(32)}`
  // No assertion inside the capture: tap's own output goes to stdout too.
  const { result, output } = await captureOutput(async () => {
    await chain.publishCommitment(1, long)
    await chain.setWeights(1, [0, 1], [65535, 3])
    const pending = await chain.commitWeights(3, [1, 0], [7, 8], 11n)
    node.produceBlocks(10)
    const revealed = await chain.revealPendingWeights(3)
    const refused = await chain.setWeights(1, [0, 1], [1, 2], 1n).catch((e: unknown) => e)
    return { pending, revealed, refused }
  })
  const { pending, revealed, refused } = result!
  t.equal(revealed[0]!.status, 'revealed')
  t.equal(pending.commitHash, weightsCommitHash({ hotkey: hotkey.address, netuid: 3, uids: [1, 0], values: [7, 8], salt: pending.salt, versionKey: 11n }))
  t.ok(refused instanceof ChainDispatchError)
  t.notOk(SECRETS.some((s) => renderError(refused).includes(s)), 'no secret in a dispatch error')
  t.notOk(SECRETS.some((s) => output.includes(s)), 'no secret printed while signing and submitting')

  const bytes = Buffer.from(long)
  const expected = [
    { pallet: 'commitments', call: 'setCommitment', args: { netuid: 1, info: { fields: [
      { raw128: u8aToHex(bytes.subarray(0, 128)) }, { raw128: u8aToHex(bytes.subarray(128, 256)) }, { raw11: u8aToHex(bytes.subarray(256)) },
    ] } } },
    { pallet: SM, call: 'setWeights', args: { netuid: 1, dests: [0, 1], weights: [65535, 3], version_key: 9 } },
    { pallet: SM, call: 'commitWeights', args: { netuid: 3 } },
    { pallet: SM, call: 'revealWeights', args: { netuid: 3, uids: [1, 0], values: [7, 8], version_key: 11 } },
    { pallet: SM, call: 'setWeights', args: { netuid: 1, dests: [0, 1], weights: [1, 2], version_key: 1 } },
  ]
  t.equal(node.included.length, expected.length)
  const ctx = (block: number) => ({
    genesisHash: node.genesisHash, specVersion: 346, transactionVersion: 1, blockHash: (n: number) => node.blocks[n]?.hash, head: block - 1,
  })
  node.included.forEach((inc, i) => {
    const d = decodeExtrinsic(node.codecs, inc.hex, ctx(inc.block))
    t.equal(d.signer, hotkey.address, `#${i} signed by the hotkey`)
    t.ok(d.signatureValid, `#${i} signature verifies`)
    t.equal(d.nonce, i, `#${i} nonce`)
    t.equal(d.pallet, expected[i]!.pallet)
    t.equal(d.call, expected[i]!.call)
    t.match(d.args, expected[i]!.args)
    // The same bytes with one argument byte changed no longer verify.
    const tampered = Buffer.from(inc.hex.slice(2), 'hex')
    tampered[tampered.length - 1]! ^= 1
    t.notOk(decodeExtrinsic(node.codecs, u8aToHex(tampered), ctx(inc.block)).signatureValid, `#${i} tampered copy fails`)
  })
  const commit = decodeExtrinsic(node.codecs, node.included[2]!.hex, ctx(node.included[2]!.block))
  const reveal = decodeExtrinsic(node.codecs, node.included[3]!.hex, ctx(node.included[3]!.block))
  t.equal(commit.args.commit_hash, weightsCommitHash({
    hotkey: hotkey.address, netuid: 3, uids: [1, 0], values: [7, 8], salt: reveal.args.salt as number[], versionKey: 11n,
  }), 'the committed hash is the hash of what was revealed')
  t.same(node.included.map((x) => x.error), [null, null, null, null, 'IncorrectWeightVersionKey'])
})

t.test('a dropped connection is survived', async (t) => {
  const { node, hotkey, connect } = await start(t)
  node.addSubnet(1, { tempo: 10, rateLimit: 0 })
  node.register(1, hotkey.address, { validatorPermit: true })
  const chain = await connect()
  t.equal((await chain.metagraph(1)).neurons.length, 1)

  node.dropConnections()
  t.equal((await chain.metagraph(1)).neurons.length, 1, 'read after the socket was closed')

  node.dropOnNext('state_getKeysPaged')
  t.equal((await chain.metagraph(1)).neurons[0]!.hotkey, hotkey.address, 'read whose request was cut off mid-flight')
  const sent = node.requests.get('state_getKeysPaged')!
  node.dropOnNext('state_getKeysPaged')
  t.equal((await chain.metagraph(1)).neurons[0]!.hotkey, hotkey.address, 'the same read cut off again at the same block')
  t.ok(node.requests.get('state_getKeysPaged')! >= sent + 3, 'the cut-off request was sent again')

  node.dropConnections()
  const receipt = await chain.setWeights(1, [0], [1])
  t.equal(receipt.blockNumber, 1, 'an extrinsic after a reconnection is included')

  node.dropOnNext('author_submitAndWatchExtrinsic')
  await t.rejects(chain.setWeights(1, [0], [1]), ChainConnectionError, 'a submission cut off is reported, not retried blindly')
  t.equal((await chain.currentBlock()).number, 1)
})

t.test('every call has a timeout', async (t) => {
  const { node, connect } = await start(t)
  node.addSubnet(1)
  const chain = await connect({ timeoutMs: 200, txTimeoutMs: 200, readRetries: 0 })
  node.stall('chain_getHeader')
  const err = await chain.currentBlock().catch((e: unknown) => e)
  t.ok(err instanceof ChainTimeoutError, String(err))
  t.match((err as Error).message, /reading the head block did not complete within 200 ms/)
  node.resume('chain_getHeader')
  t.equal((await chain.currentBlock()).number, 0)

  node.stall('author_submitAndWatchExtrinsic')
  await t.rejects(chain.setWeights(1, [0], [1], 0n), ChainTimeoutError)
})

t.test('connecting', async (t) => {
  const { node } = await start(t)
  const url = node.url
  await node.close()
  const err = await SubtensorChain.connect({ network: url, timeoutMs: 200, reconnectDelayMs: 20 }).catch((e: unknown) => e)
  t.ok(err instanceof ChainConnectionError, `ChainConnectionError (got ${String(err)})`)
  await t.rejects(SubtensorChain.connect({ network: 'mainnet' }), /neither a network/)
  await t.rejects(SubtensorChain.connect({ network: 'https://example.invalid' }), /ws:\/\/ or wss:\/\//)
})

t.test('a dispatch error surfaces by name with the runtime docs', async (t) => {
  const { node, hotkey, connect } = await start(t)
  node.addSubnet(1, { rateLimit: 100 })
  node.register(1, hotkey.address, { validatorPermit: true })
  const chain = await connect()
  await chain.setWeights(1, [0], [1])
  const err = await chain.setWeights(1, [0], [1]).catch((e: unknown) => e)
  t.ok(err instanceof ChainDispatchError)
  t.match(err, { pallet: 'SubtensorModule', error: 'SettingWeightsTooFast', docs: 'A transactor exceeded the rate limit for setting weights.', code: 'E_CHAIN_DISPATCH' })
  t.match((err as Error).message, 'SubtensorModule.set_weights on subnet 1 failed: SubtensorModule.SettingWeightsTooFast')
  const noSigner = await SubtensorChain.connect({ network: node.url, timeoutMs: 10_000 })
  t.teardown(() => noSigner.close())
  await t.rejects(noSigner.setWeights(1, [0], [1]), /no hotkey to sign with/)
  // Refusals come as rejected promises, never as synchronous throws.
  const refusals: Promise<unknown>[] = [noSigner.commitmentOf(1), noSigner.publishCommitment(1, 'a/b:c'), chain.publishCommitment(1, ''), chain.publishCommitment(1, 'x'.repeat(385))]
  for (const p of refusals) await t.rejects(p)
})
