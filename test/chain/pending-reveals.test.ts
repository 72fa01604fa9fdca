// The on-disk list of weight commits waiting for reveal: kept per chain and hotkey,
// survives a new store object, and refuses a damaged file instead of guessing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import t, { type Test } from 'tap'

import { ChainStateError, LocalChain, PendingRevealStore, type PendingReveal } from '../../lib/chain/index.js'
import { devAccounts } from '../helpers/chain-fixtures.js'

function dir(t: Test): string {
  const d = mkdtempSync(join(tmpdir(), 'flock-pending-'))
  t.teardown(() => rmSync(d, { recursive: true, force: true }))
  return d
}

const entry = (commitHash: string, extra: Partial<PendingReveal> = {}): PendingReveal => ({
  genesisHash: `0x${'11'.repeat(32)}`, hotkey: '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV', netuid: 1, commitHash, commitBlock: 5,
  uids: [0, 1], values: [1, 2], salt: [3, 4], versionKey: '18446744073709551615', ...extra,
})

t.test('entries persist across store objects and are replaced by hash', async (t) => {
  const path = join(dir(t), 'nested', 'pending-reveals.json')
  const a = new PendingRevealStore(path)
  t.same(await a.list(), [])
  const h1 = `0x${'aa'.repeat(32)}`
  const h2 = `0x${'bb'.repeat(32)}`
  await Promise.all([a.add(entry(h1)), a.add(entry(h2)), a.add(entry(h1, { commitBlock: 9 }))])
  const b = new PendingRevealStore(path)
  t.same((await b.list()).map((e) => [e.commitHash, e.commitBlock]).sort(), [[h1, 9], [h2, 5]])
  await b.remove([h1])
  t.same((await a.list()).map((e) => e.commitHash), [h2])
  // a mechanism's commit keeps its mechanism id; one out of range is refused as damage
  const h3 = `0x${'cc'.repeat(32)}`
  await a.add(entry(h3, { mechanismId: 2 }))
  t.equal((await b.list()).find((e) => e.commitHash === h3)?.mechanismId, 2)
  writeFileSync(path, JSON.stringify({ version: 1, reveals: [entry(h3, { mechanismId: 300 })] }))
  await t.rejects(b.list(), ChainStateError)
})

t.test('a damaged file is refused', async (t) => {
  const path = join(dir(t), 'pending-reveals.json')
  const store = new PendingRevealStore(path)
  for (const [doc, reason] of [
    ['[', /not valid JSON/],
    [JSON.stringify({ version: 2, reveals: [] }), /not a pending-reveals file/],
    [JSON.stringify({ version: 1, reveals: [{ ...entry('0x12') }] }), /reveals\[0\] is malformed/],
    [JSON.stringify({ version: 1, reveals: [{ ...entry(`0x${'aa'.repeat(32)}`), salt: [70000] }] }), /reveals\[0\] is malformed/],
  ] as const) {
    writeFileSync(path, doc)
    await t.rejects(store.list(), ChainStateError)
    await t.rejects(store.list(), reason)
  }
})

t.test('reveals are only sent to the chain and by the hotkey that committed', async (t) => {
  const { alice } = await devAccounts()
  const d = dir(t)
  const stateDir = join(d, 'validator')
  const one = await LocalChain.open({ path: join(d, 'one.json'), hotkey: alice.address, stateDir })
  const two = await LocalChain.open({ path: join(d, 'two.json'), hotkey: alice.address, stateDir })
  for (const chain of [one, two]) {
    await chain.createSubnet(1, { tempo: 10, commitRevealEnabled: true, weightsSetRateLimit: 0 })
    await chain.register(1, alice.address, { validatorPermit: true })
  }
  const pending = await one.commitWeights(1, [0], [1])
  await two.advanceBlocks(20)
  t.same(await two.revealPendingWeights(1), [], 'the other chain sees nothing to reveal')
  const store = new PendingRevealStore(join(stateDir, 'pending-reveals.json'))
  t.same((await store.list()).map((e) => e.commitHash), [pending.commitHash], 'and leaves it alone')
  await one.advanceBlocks(10 - (await one.currentBlock()).number)
  t.equal((await one.revealPendingWeights(1))[0]!.status, 'revealed')
  t.same(await store.list(), [])
})
