// btcli wallets: a wallet made by bittensor-wallet (test/reference/make_btcli_wallet.py)
// loads; a wrong address, a bad name or a broken file fails with WalletError; no
// secret reaches an error, a log or the returned object.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import t, { type Test } from 'tap'
import { signatureVerify } from '@polkadot/util-crypto'

import { hotkeyFilePath, loadHotkey, WalletError } from '../../lib/chain/index.js'
import { captureOutput, renderError } from '../helpers/capture.js'
import { repoRoot } from '../helpers/paths.js'

const walletsDir = join(repoRoot, 'test', 'fixtures', 'chain', 'wallets')
const hotkeyFile = JSON.parse(readFileSync(join(walletsDir, 'fixture', 'hotkeys', 'default'), 'utf8')) as Record<string, string>
const SECRETS = [hotkeyFile.secretPhrase!, hotkeyFile.secretSeed!, hotkeyFile.secretSeed!.slice(2), hotkeyFile.privateKey!.slice(2)]
const ADDRESS = '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV'

function noSecrets(t: Test, text: string, where: string) {
  // Plain boolean assertions: a failing message must not print the secret either.
  t.notOk(SECRETS.some((s) => text.includes(s)), `no secret in ${where}`)
}

function copyWallet(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flock-wallet-'))
  cpSync(walletsDir, dir, { recursive: true })
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function loadError(t: Test, options: Parameters<typeof loadHotkey>[0], needle: RegExp) {
  const { error, output } = await captureOutput(() => loadHotkey(options))
  t.ok(error instanceof WalletError, `WalletError (got ${(error as Error)?.constructor?.name})`)
  t.equal((error as WalletError).code, 'E_WALLET')
  t.match((error as Error).message, needle)
  noSecrets(t, renderError(error), 'the error')
  noSecrets(t, output, 'the output')
}

t.test('a wallet made by bittensor-wallet loads and signs as its hotkey', async (t) => {
  const { result: hotkey, output } = await captureOutput(() => loadHotkey({ path: walletsDir, name: 'fixture', hotkey: 'default' }))
  t.equal(hotkey!.address, ADDRESS)
  t.equal(hotkey!.pair.type, 'sr25519')
  const message = new TextEncoder().encode('flock')
  t.ok(signatureVerify(message, hotkey!.pair.sign(message), ADDRESS).isValid)
  noSecrets(t, output, 'the output')
  noSecrets(t, inspect(hotkey, { depth: 10, showHidden: true }), 'the inspected hotkey')
  noSecrets(t, JSON.stringify(hotkey), 'the JSON of the hotkey')
})

t.test('seed-only and phrase-only hotkey files load', async (t) => {
  const dir = copyWallet()
  const file = join(dir, 'fixture', 'hotkeys', 'default')
  const { secretPhrase, ...seedOnly } = hotkeyFile
  writeFileSync(file, JSON.stringify(seedOnly))
  t.equal((await loadHotkey({ path: dir, name: 'fixture', hotkey: 'default' })).address, ADDRESS)
  const { secretSeed, ...phraseOnly } = hotkeyFile
  writeFileSync(file, JSON.stringify(phraseOnly))
  t.equal((await loadHotkey({ path: dir, name: 'fixture', hotkey: 'default' })).address, ADDRESS)
  t.ok(secretPhrase && secretSeed)
})

t.test('a hotkey file whose address is not its key fails', async (t) => {
  const dir = copyWallet()
  const bob = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty'
  writeFileSync(join(dir, 'fixture', 'hotkeys', 'default'), JSON.stringify({ ...hotkeyFile, ss58Address: bob }))
  await loadError(t, { path: dir, name: 'fixture', hotkey: 'default' }, new RegExp(`states address "${bob}" but its key gives ${ADDRESS}`))
})

for (const [what, name, hotkey] of [
  ['parent folder in the wallet name', '../fixture', 'default'],
  ['the parent folder itself', '..', 'default'],
  ['a slash in the hotkey name', 'fixture', '../../fixture/hotkeys/default'],
  ['an absolute hotkey name', 'fixture', '/etc/passwd'],
  ['an empty name', '', 'default'],
  ['a NUL byte', 'fix\0ture', 'default'],
  ['a hidden name', 'fixture', '.default'],
  ['dots inside', 'fix..ture', 'default'],
] as const) {
  t.test(`refuses ${what}`, async (t) => {
    t.throws(() => hotkeyFilePath({ path: walletsDir, name, hotkey }), WalletError)
    await loadError(t, { path: walletsDir, name, hotkey }, /is not allowed/)
  })
}

t.test('missing, unreadable and malformed files fail without echoing content', async (t) => {
  const dir = copyWallet()
  const file = join(dir, 'fixture', 'hotkeys', 'default')
  await loadError(t, { path: dir, name: 'fixture', hotkey: 'other' }, /no hotkey file at/)
  writeFileSync(file, hotkeyFile.secretPhrase!)
  await loadError(t, { path: dir, name: 'fixture', hotkey: 'default' }, /is not valid JSON/)
  writeFileSync(file, `{"secretPhrase": "${hotkeyFile.secretPhrase!}",`)
  await loadError(t, { path: dir, name: 'fixture', hotkey: 'default' }, /is not valid JSON/)
  writeFileSync(file, '$NACL' + 'x'.repeat(40))
  await loadError(t, { path: dir, name: 'fixture', hotkey: 'default' }, /is encrypted/)
  writeFileSync(file, JSON.stringify({ ss58Address: ADDRESS, secretSeed: '0x1234', secretPhrase: 'not a phrase' }))
  await loadError(t, { path: dir, name: 'fixture', hotkey: 'default' }, /neither a 32-byte secretSeed, a valid secretPhrase nor a 64-byte privateKey/)
  writeFileSync(file, JSON.stringify({ ...hotkeyFile, ss58Address: undefined }))
  await loadError(t, { path: dir, name: 'fixture', hotkey: 'default' }, /has no ss58Address/)
})
