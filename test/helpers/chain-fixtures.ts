// One face over both chains for the shared behaviour suite: set up subnets and
// registrations, let blocks pass, restart the client. LocalChain uses a temp state file;
// SubtensorChain talks to the mock node over WebSocket.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'

import { LocalChain, SubtensorChain, type Chain, type Hotkey, type LocalSubnetParams } from '../../lib/chain/index.js'
import { MockSubtensor } from './subtensor-mock/node.js'

export interface ChainFixture {
  name: string
  /** A client signing as `who`, keeping pending reveals in `stateDir` (default: one per signer). */
  client(who: KeyringPair, stateDir?: string): Promise<Chain>
  stateDir(who: KeyringPair): string
  addSubnet(netuid: number, params: LocalSubnetParams): Promise<void>
  setSubnetParams(netuid: number, params: LocalSubnetParams): Promise<void>
  register(netuid: number, hotkey: string, opts?: { validatorPermit?: boolean; stake?: bigint }): Promise<number>
  advance(blocks: number): Promise<void>
  close(): Promise<void>
}

export async function devAccounts() {
  await cryptoWaitReady()
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
  const [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((uri) => keyring.addFromUri(uri)) as [
    KeyringPair, KeyringPair, KeyringPair, KeyringPair,
  ]
  return { alice, bob, charlie, dave }
}

export const asHotkey = (pair: KeyringPair): Hotkey => ({ address: pair.address, publicKey: pair.publicKey, pair })

function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'flock-chain-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function localFixture(): Promise<ChainFixture> {
  const { dir, remove } = tempDir()
  const path = join(dir, 'chain', 'state.json')
  const clients: Chain[] = []
  const admin = await LocalChain.open({ path })
  const stateDir = (who: KeyringPair) => join(dir, 'clients', who.address)
  return {
    name: 'LocalChain',
    stateDir,
    async client(who, sd) {
      const chain = await LocalChain.open({ path, hotkey: asHotkey(who), stateDir: sd ?? stateDir(who) })
      clients.push(chain)
      return chain
    },
    addSubnet: (netuid, params) => admin.createSubnet(netuid, params),
    setSubnetParams: (netuid, params) => admin.setSubnetParams(netuid, params),
    register: (netuid, hotkey, opts) => admin.register(netuid, hotkey, opts),
    async advance(blocks) {
      await admin.advanceBlocks(blocks)
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()))
      remove()
    },
  }
}

const mockParams = (p: LocalSubnetParams) => ({
  ...(p.tempo !== undefined && { tempo: p.tempo }),
  ...(p.weightsSetRateLimit !== undefined && { rateLimit: p.weightsSetRateLimit }),
  ...(p.weightsVersionKey !== undefined && { versionKey: p.weightsVersionKey }),
  ...(p.commitRevealEnabled !== undefined && { commitReveal: p.commitRevealEnabled }),
  ...(p.revealPeriodEpochs !== undefined && { revealPeriodEpochs: p.revealPeriodEpochs }),
  ...(p.minAllowedWeights !== undefined && { minAllowedWeights: p.minAllowedWeights }),
})

export async function subtensorFixture(): Promise<ChainFixture> {
  const { dir, remove } = tempDir()
  const node = await MockSubtensor.start()
  const clients: Chain[] = []
  const stateDir = (who: KeyringPair) => join(dir, 'clients', who.address)
  return {
    name: 'SubtensorChain (mock node)',
    stateDir,
    async client(who, sd) {
      const chain = await SubtensorChain.connect({
        network: node.url, hotkey: asHotkey(who), stateDir: sd ?? stateDir(who), timeoutMs: 20_000, txTimeoutMs: 20_000, reconnectDelayMs: 50,
      })
      clients.push(chain)
      return chain
    },
    async addSubnet(netuid, params) {
      node.addSubnet(netuid, mockParams(params))
    },
    async setSubnetParams(netuid, params) {
      node.setSubnetParams(netuid, mockParams(params))
    },
    async register(netuid, hotkey, opts) {
      return node.register(netuid, hotkey, opts)
    },
    async advance(blocks) {
      node.produceBlocks(blocks)
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()))
      await node.close()
      remove()
    },
  }
}
