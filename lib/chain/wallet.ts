/**
 * Hotkeys from wallets in btcli's layout: <path>/<name>/hotkeys/<hotkey>, an
 * unencrypted JSON file. The key is rebuilt from its seed (or phrase) and must give
 * the address the file states. Secrets stay inside this function: errors carry
 * paths and addresses only, and the returned object holds no seed or phrase.
 */
import { homedir } from 'node:os'
import { isAbsolute, join, relative, resolve } from 'node:path'

import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a, isHex } from '@polkadot/util'
import { cryptoWaitReady, mnemonicValidate } from '@polkadot/util-crypto'

import { FileTooLargeError, readTextCapped } from '../util/read-capped.js'
import { WalletError } from './errors.js'

export const DEFAULT_WALLET_PATH = '~/.bittensor/wallets'

/** btcli's hotkey files are a few hundred bytes. */
const HOTKEY_FILE_MAX_BYTES = 64 * 1024

export interface WalletOptions {
  /** --wallet.path; `~` expands to the home folder. */
  path?: string
  /** --wallet.name */
  name: string
  /** --wallet.hotkey */
  hotkey: string
}

export interface Hotkey {
  readonly address: string
  readonly publicKey: Uint8Array
  /** sr25519 pair used to sign extrinsics. */
  readonly pair: KeyringPair
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/

export function checkWalletName(kind: string, name: string): void {
  if (!NAME.test(name) || name.includes('..')) {
    throw new WalletError(`${kind} name ${JSON.stringify(name.slice(0, 80))} is not allowed: use letters, digits, '_', '-' and '.', at most 64, no '..'`)
  }
}

export function expandWalletPath(path: string = DEFAULT_WALLET_PATH): string {
  return resolve(path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path)
}

/** Where btcli keeps the hotkey file; the names cannot lead out of the wallet folder. */
export function hotkeyFilePath(options: WalletOptions): string {
  checkWalletName('wallet', options.name)
  checkWalletName('hotkey', options.hotkey)
  const root = expandWalletPath(options.path)
  const file = join(root, options.name, 'hotkeys', options.hotkey)
  const rel = relative(root, file)
  if (rel.startsWith('..') || isAbsolute(rel)) throw new WalletError(`hotkey path leaves the wallet folder ${root}`)
  return file
}

export async function loadHotkey(options: WalletOptions): Promise<Hotkey> {
  const file = hotkeyFilePath(options)
  let text: string
  try {
    text = await readTextCapped(file, HOTKEY_FILE_MAX_BYTES)
  } catch (err) {
    if (err instanceof FileTooLargeError) throw new WalletError(`hotkey file ${file} is larger than ${HOTKEY_FILE_MAX_BYTES} bytes; it is not a hotkey file`)
    const code = (err as NodeJS.ErrnoException).code
    throw new WalletError(code === 'ENOENT' ? `no hotkey file at ${file}` : `cannot read hotkey file ${file} (${code ?? 'error'})`)
  }
  if (text.startsWith('$NACL') || text.startsWith('$BT')) {
    throw new WalletError(`hotkey file ${file} is encrypted; regenerate the hotkey without a password (btcli's default for hotkeys)`)
  }
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(text) as Record<string, unknown>
  } catch {
    // JSON.parse messages quote the input, which may be a secret: say nothing of it.
    throw new WalletError(`hotkey file ${file} is not valid JSON`)
  }
  if (typeof doc !== 'object' || doc === null) throw new WalletError(`hotkey file ${file} is not a JSON object`)
  const stated = doc.ss58Address
  if (typeof stated !== 'string') throw new WalletError(`hotkey file ${file} has no ss58Address`)

  await cryptoWaitReady()
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
  let pair: KeyringPair
  if (typeof doc.secretSeed === 'string' && isHex(doc.secretSeed) && doc.secretSeed.length === 66) {
    pair = keyring.addFromSeed(hexToU8a(doc.secretSeed))
  } else if (typeof doc.secretPhrase === 'string' && mnemonicValidate(doc.secretPhrase)) {
    pair = keyring.addFromMnemonic(doc.secretPhrase)
  } else {
    throw new WalletError(`hotkey file ${file} has neither a 32-byte secretSeed nor a valid secretPhrase`)
  }
  if (pair.address !== stated) {
    throw new WalletError(`hotkey file ${file} states address ${JSON.stringify(stated.slice(0, 64))} but its key gives ${pair.address}`)
  }
  return { address: pair.address, publicKey: pair.publicKey, pair }
}
