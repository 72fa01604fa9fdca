/**
 * A whole subnet on one machine, under one state folder: the LocalChain state file, a
 * local-folder hub, a tiny generated model, an eval set and a competition config. This is
 * the one function that creates it, whichever program runs first (flock-validator --local,
 * flock-miner --local, the demo): whatever is missing is created — the subnet with its
 * owner at uid 0 and the validator with a permit, a block every second — so every tool
 * pointed at the same --state-dir shares one subnet.
 */
import { randomUUID } from 'node:crypto'
import { access, mkdir, rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'

import { ChainRequestError, LocalChain, type Hotkey, type LocalSubnetParams } from '../chain/index.js'
import { LocalHub } from '../hub/index.js'
import { writeTinyModel } from '../tiny-model/index.js'
import { writeFileDurable } from '../util/durable-write.js'
import { expandHome } from '../util/home.js'
import { countingRows, toJsonl } from './chat-data.js'
import { localCompetitionConfig } from './config.js'

export interface LocalNetworkPaths {
  /** `<state-dir>/local`: everything below lives here. */
  root: string
  chain: string
  hub: string
  model: string
  evalSet: string
  /** Pending weight reveals and other per-client state of the chain. */
  chainClients: string
  /** The local competition config, written on first use: every tool reads it. */
  config: string
  /** The HF-layout download cache the miner's preview reads the hub through. */
  minerCache: string
  /** The validator's own state (result store, download cache). */
  validator: string
}

/** The tiny model every tool writes when a local network has none (same seed, same model). */
export const LOCAL_MODEL_SEED = 3

/** A block every second, as every tool creates a local chain: epochs pass as on a real chain. */
export const LOCAL_BLOCK_TIME_MS = 1000

/** Default --state-dir of both flock-validator --local and flock-miner --local. */
export const defaultLocalStateDir = (): string => join(homedir(), '.flock', 'local')

export { expandHome }

export function localNetworkPaths(stateDir: string): LocalNetworkPaths {
  const root = join(expandHome(stateDir), 'local')
  return {
    root, chain: join(root, 'chain.json'), hub: join(root, 'hub'), model: join(root, 'model'), evalSet: join(root, 'eval.jsonl'),
    chainClients: join(root, 'clients'), config: join(root, 'config.json'), minerCache: join(root, 'miner-hub-cache'),
    validator: join(expandHome(stateDir), 'validator'),
  }
}

/** The SS58 address of a development key (`//Name`): local runs need no wallet. */
export async function devAddress(name: string): Promise<string> {
  await cryptoWaitReady()
  return new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(`//${name}`).address
}

export const LOCAL_SUBNET: Required<Pick<LocalSubnetParams, 'tempo' | 'weightsSetRateLimit' | 'commitRevealEnabled'>> = {
  tempo: 99, weightsSetRateLimit: 10, commitRevealEnabled: false,
}

export interface LocalNetwork {
  paths: LocalNetworkPaths
  /** Signs as the validator. */
  chain: LocalChain
  hub: LocalHub
  validatorHotkey: string
  ownerHotkey: string
  /** Whether this call created the subnet (the first program to use the state folder). */
  createdSubnet: boolean
  /** A client of the same chain signing as `hotkey`, registered on the subnet (standing in for btcli) when it is not yet. */
  clientFor(hotkey: Hotkey | string): Promise<{ chain: LocalChain; uid: number; registered: boolean }>
}

export interface OpenLocalNetworkOptions {
  stateDir: string
  netuid: number
  /** For a new chain: ms per block; null makes blocks only on extrinsics (the demo). Default LOCAL_BLOCK_TIME_MS. */
  blockTimeMs?: number | null
  /** For a new chain: its genesis hash (default random). */
  genesisHash?: string
  /** For a new subnet: its parameters over LOCAL_SUBNET. */
  subnet?: LocalSubnetParams
}

const exists = (p: string) => access(p).then(() => true, () => false)

/** Writes a file or folder once: built aside, then renamed into place, so a concurrent reader never sees half of it. */
async function createOnce(path: string, build: (tmp: string) => Promise<void>): Promise<void> {
  if (await exists(path)) return
  const tmp = `${path}.${randomUUID()}.tmp`
  try {
    await build(tmp)
    await rename(tmp, path)
  } catch (err) {
    // another process got there first: its copy is the same one
    if (!(await exists(path))) throw err
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

async function ensureRegistered(chain: LocalChain, netuid: number, hotkey: string, options: { validatorPermit?: boolean; stake?: bigint } = {}): Promise<{ uid: number; registered: boolean }> {
  const known = (await chain.metagraph(netuid)).neurons.find((n) => n.hotkey === hotkey)
  if (known) return { uid: known.uid, registered: false }
  try {
    return { uid: await chain.register(netuid, hotkey, options), registered: true }
  } catch (err) {
    // registered by another process since the read
    const now = (await chain.metagraph(netuid)).neurons.find((n) => n.hotkey === hotkey)
    if (now && err instanceof ChainRequestError) return { uid: now.uid, registered: false }
    throw err
  }
}

export async function openLocalNetwork(options: OpenLocalNetworkOptions): Promise<LocalNetwork> {
  const { netuid } = options
  const paths = localNetworkPaths(options.stateDir)
  await mkdir(paths.root, { recursive: true })
  const [validatorHotkey, ownerHotkey] = [await devAddress('FlockValidator'), await devAddress('FlockOwner')]
  const newChain = {
    blockTimeMs: options.blockTimeMs === undefined ? LOCAL_BLOCK_TIME_MS : options.blockTimeMs,
    ...(options.genesisHash !== undefined ? { genesisHash: options.genesisHash } : {}),
  }
  const chain = await LocalChain.open({ path: paths.chain, hotkey: validatorHotkey, stateDir: join(paths.chainClients, 'validator'), ...newChain })
  let createdSubnet = false
  if (!(await chain.metagraph(netuid).catch(() => null))) {
    createdSubnet = await chain.createSubnet(netuid, { ...LOCAL_SUBNET, ...options.subnet }).then(() => true, async (err: unknown) => {
      if (!(await chain.metagraph(netuid).catch(() => null))) throw err // not created by another process meanwhile
      return false
    })
  }
  // the owner first, so it is uid 0 (the burn uid) whoever registers next
  await ensureRegistered(chain, netuid, ownerHotkey)
  await ensureRegistered(chain, netuid, validatorHotkey, { validatorPermit: true, stake: 1_000_000_000_000n })
  await mkdir(paths.hub, { recursive: true })
  await createOnce(paths.model, (tmp) => writeTinyModel(tmp, { arch: 'qwen2', seed: LOCAL_MODEL_SEED }).then(() => undefined))
  await createOnce(paths.evalSet, (tmp) => writeFileDurable(tmp, toJsonl(countingRows(40, 1))))
  await createOnce(paths.config, (tmp) => writeFileDurable(tmp, JSON.stringify(localCompetitionConfig, null, 2) + '\n'))
  return {
    paths, chain, hub: new LocalHub(paths.hub), validatorHotkey, ownerHotkey, createdSubnet,
    async clientFor(hotkey) {
      const address = typeof hotkey === 'string' ? hotkey : hotkey.address
      const client = await LocalChain.open({ path: paths.chain, hotkey, stateDir: join(paths.chainClients, address) })
      return { chain: client, ...(await ensureRegistered(client, netuid, address)) }
    },
  }
}
