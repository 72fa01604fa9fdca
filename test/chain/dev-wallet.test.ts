// Dev and derived hotkeys as bittensor-wallet writes them (`btcli --uri alice`,
// create_hotkey_from_uri, `<phrase>//hot/1`): only a 64-byte privateKey. They load, give their
// address, and sign so that bittensor-wallet verifies (fixtures: test/reference/make_dev_wallets.py,
// whose docstring has the commands); its signatures verify here. Loading the key naively gives
// the right address but signatures that do not verify: that is checked too, so the test would
// notice a loader that fell back to it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import t from 'tap'
import { Keyring } from '@polkadot/keyring'
import { hexToU8a } from '@polkadot/util'
import { cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto'

import { loadHotkey, WalletError } from '../../lib/chain/index.js'
import { repoRoot } from '../helpers/paths.js'

const fixtures = join(repoRoot, 'test', 'fixtures', 'chain')
const path = join(fixtures, 'dev-wallets')
interface Signed { hotkey: string; address: string; signature: string; verified?: boolean }
const doc = JSON.parse(readFileSync(join(fixtures, 'dev-wallet-signatures.json'), 'utf8')) as { message: string; theirs: Signed[]; ours: Signed[] }
const message = new TextEncoder().encode(doc.message)
const fileOf = (hotkey: string) => JSON.parse(readFileSync(join(path, 'dev', 'hotkeys', hotkey), 'utf8')) as Record<string, string | null>

t.test('the files hold only a privateKey', async (t) => {
  for (const hotkey of ['alice', 'hot1', 'soft']) {
    const f = fileOf(hotkey)
    t.match(f.privateKey, /^0x[0-9a-f]{128}$/, `${hotkey}: 64-byte privateKey`)
    t.notOk(f.secretSeed ?? f.secretPhrase, `${hotkey}: no seed, no phrase`)
  }
  t.equal(fileOf('alice').ss58Address, '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', '//Alice')
})

t.test('they load, and sign so that bittensor-wallet verifies; its signatures verify here', async (t) => {
  for (const theirs of doc.theirs) {
    const key = await loadHotkey({ path, name: 'dev', hotkey: theirs.hotkey })
    t.equal(key.address, theirs.address, `${theirs.hotkey}: address`)
    t.ok(signatureVerify(message, hexToU8a(theirs.signature), key.address).isValid, `${theirs.hotkey}: bittensor-wallet's signature verifies`)
    t.ok(signatureVerify(message, key.pair.sign(message), key.address).isValid, `${theirs.hotkey}: ours verifies`)
    const ours = doc.ours.find((o) => o.hotkey === theirs.hotkey)!
    t.equal(ours.address, key.address)
    t.equal(ours.verified, true, `${theirs.hotkey}: bittensor-wallet verified the signature our loader made`)
    t.ok(signatureVerify(message, hexToU8a(ours.signature), key.address).isValid)
  }
})

t.test('the trap: the privateKey taken as it is gives the right address but no valid signature', async (t) => {
  await cryptoWaitReady()
  const f = fileOf('alice')
  const naive = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromPair({ publicKey: hexToU8a(f.publicKey!), secretKey: hexToU8a(f.privateKey!) })
  t.equal(naive.address, f.ss58Address)
  t.notOk(signatureVerify(message, naive.sign(message), naive.address).isValid)
})

t.test('a privateKey that is not the stated address\'s is refused without printing it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-devwallet-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(path, dir, { recursive: true })
  const file = join(dir, 'dev', 'hotkeys', 'alice')
  const other = fileOf('hot1')
  writeFileSync(file, JSON.stringify({ ...fileOf('alice'), privateKey: other.privateKey }))
  const err = await loadHotkey({ path: dir, name: 'dev', hotkey: 'alice' }).catch((e: unknown) => e)
  t.ok(err instanceof WalletError)
  t.match((err as Error).message, /privateKey does not give the public key of 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY/)
  t.notOk((err as Error).message.includes(other.privateKey!.slice(2, 20)), 'no secret in the message')
  writeFileSync(file, JSON.stringify({ ...fileOf('alice'), privateKey: '0x1234' }))
  await t.rejects(loadHotkey({ path: dir, name: 'dev', hotkey: 'alice' }), /neither a 32-byte secretSeed, a valid secretPhrase nor a 64-byte privateKey/)
})
