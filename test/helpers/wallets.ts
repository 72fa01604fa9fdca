/**
 * btcli-layout wallets written for a test: `<path>/<name>/hotkeys/<hotkey>` with the fields
 * btcli writes for an unencrypted hotkey (secretSeed, publicKey, accountId, ss58Address),
 * the key derived from a label so every run gets the same hotkey.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'

export interface TestWallet {
  /** the --wallet.* flags that select it */
  flags: string[]
  address: string
  /** the secret seed, to check that it is never printed */
  secretSeed: string
}

export async function writeTestWallet(walletPath: string, name: string, hotkey = 'default'): Promise<TestWallet> {
  await cryptoWaitReady()
  const seed = createHash('sha256').update(`flock-test-wallet:${name}:${hotkey}`).digest()
  const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromSeed(seed)
  const dir = join(walletPath, name, 'hotkeys')
  mkdirSync(dir, { recursive: true })
  const publicKey = u8aToHex(pair.publicKey)
  const secretSeed = u8aToHex(seed)
  writeFileSync(join(dir, hotkey), JSON.stringify({ secretSeed, publicKey, accountId: publicKey, ss58Address: pair.address, cryptoType: 1 }))
  writeFileSync(join(dir, `${hotkey}pub.txt`), JSON.stringify({ publicKey, accountId: publicKey, ss58Address: pair.address }))
  return { flags: ['--wallet.path', walletPath, '--wallet.name', name, '--wallet.hotkey', hotkey], address: pair.address, secretSeed }
}
