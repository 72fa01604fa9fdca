/**
 * Hotkeys from wallets in btcli's layout: <path>/<name>/hotkeys/<hotkey>, an
 * unencrypted JSON file. The key is rebuilt from its seed (or phrase) and must give
 * the address the file states. Dev and derived hotkeys (`btcli --uri alice`,
 * create_hotkey_from_uri, `<phrase>//hot/1`) carry only a 64-byte `privateKey`: the
 * schnorrkel secret key as SecretKey::to_bytes writes it (scalar, then nonce), which
 * @polkadot's sr25519 pairs hold in the other, "ed25519" form (the scalar times the cofactor 8,
 * schnorrkel's to_ed25519_bytes; written out here, no library exports it). The converted key must
 * give the stated public key (@scure/sr25519, the sr25519 of @polkadot/util-crypto) and sign for it. Secrets stay
 * inside this function: errors carry paths and addresses only, and the returned object
 * holds no seed or phrase.
 */
import { isAbsolute, join, relative, resolve } from 'node:path'

import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { hexToU8a, isHex, u8aConcat, u8aEq } from '@polkadot/util'
import { cryptoWaitReady, decodeAddress, mnemonicValidate, signatureVerify } from '@polkadot/util-crypto'
import { getPublicKey } from '@scure/sr25519'

import { expandHome } from '../util/home.js'
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
  return resolve(expandHome(path))
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
  } else if (typeof doc.privateKey === 'string' && isHex(doc.privateKey) && doc.privateKey.length === 130) {
    pair = pairFromPrivateKey(keyring, hexToU8a(doc.privateKey), stated, file)
  } else {
    throw new WalletError(`hotkey file ${file} has neither a 32-byte secretSeed, a valid secretPhrase nor a 64-byte privateKey`)
  }
  if (pair.address !== stated) {
    throw new WalletError(`hotkey file ${file} states address ${JSON.stringify(stated.slice(0, 64))} but its key gives ${pair.address}`)
  }
  return { address: pair.address, publicKey: pair.publicKey, pair }
}

/** A pair from a schnorrkel secret key (key ‖ nonce, to_bytes form) whose public key is `address`'s; a probe signature must verify. */
function pairFromPrivateKey(keyring: Keyring, privateKey: Uint8Array, address: string, file: string): KeyringPair {
  let publicKey: Uint8Array
  try {
    publicKey = decodeAddress(address)
  } catch {
    throw new WalletError(`hotkey file ${file} has an ss58Address that is not an address`)
  }
  const secretKey = u8aConcat(timesCofactor(privateKey.subarray(0, 32)), privateKey.subarray(32))
  if (!u8aEq(getPublicKey(secretKey), publicKey)) throw new WalletError(`hotkey file ${file}: its privateKey does not give the public key of ${address}`)
  const pair = keyring.addFromPair({ publicKey, secretKey })
  const probe = new TextEncoder().encode('flock hotkey check')
  if (!signatureVerify(probe, pair.sign(probe), address).isValid) throw new WalletError(`hotkey file ${file}: its privateKey does not sign for ${address}`)
  return pair
}

/** The 32-byte little-endian scalar times 8 (a 3-bit shift; schnorrkel scalars are below 2^253). */
function timesCofactor(scalar: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  let carry = 0
  for (let i = 0; i < 32; i++) {
    out[i] = ((scalar[i]! << 3) | carry) & 0xff
    carry = scalar[i]! >> 5
  }
  return out
}
