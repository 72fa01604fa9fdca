/**
 * A whole subnet on one machine, under one state folder: the LocalChain state file, a
 * local-folder hub, a tiny generated model and an eval set. Whatever is missing is
 * created (subnet, owner at uid 0, the validator with a permit), so the validator and
 * the miner can share it by pointing at the same --state-dir.
 */
import { access, mkdir, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'

import { LocalChain, type LocalSubnetParams } from '../chain/index.js'
import { LocalHub } from '../hub/index.js'
import { writeTinyModel } from '../tiny-model/index.js'
import { countingRows, toJsonl } from './chat-data.js'
import { localCompetitionConfig } from './config.js'

export interface LocalNetworkPaths {
  chain: string
  hub: string
  model: string
  evalSet: string
  /** Pending weight reveals and other per-client state of the chain. */
  chainClients: string
  /** The local competition config, written on first use: both tools read it. */
  config: string
}

/** The tiny model both tools write when a local network has none (same seed, same model). */
export const LOCAL_MODEL_SEED = 3

/** Default --state-dir of both flock-validator --local and flock-miner --local. */
export const defaultLocalStateDir = (): string => join(homedir(), '.flock', 'local')

export function localNetworkPaths(stateDir: string): LocalNetworkPaths {
  const root = join(stateDir, 'local')
  return {
    chain: join(root, 'chain.json'), hub: join(root, 'hub'), model: join(root, 'model'), evalSet: join(root, 'eval.jsonl'),
    chainClients: join(root, 'clients'), config: join(root, 'config.json'),
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
}

const exists = (p: string) => access(p).then(() => true, () => false)

export async function openLocalNetwork(options: { stateDir: string; netuid: number; blockTimeMs?: number | null; subnet?: LocalSubnetParams }): Promise<LocalNetwork> {
  const paths = localNetworkPaths(options.stateDir)
  const [validatorHotkey, ownerHotkey] = [await devAddress('FlockValidator'), await devAddress('FlockOwner')]
  const chain = await LocalChain.open({ path: paths.chain, hotkey: validatorHotkey, stateDir: join(paths.chainClients, 'validator'), blockTimeMs: options.blockTimeMs ?? null })
  const mg = await chain.metagraph(options.netuid).catch(() => null)
  if (!mg) await chain.createSubnet(options.netuid, { ...LOCAL_SUBNET, ...options.subnet })
  const hotkeys = new Set((await chain.metagraph(options.netuid)).neurons.map((n) => n.hotkey))
  if (!hotkeys.has(ownerHotkey)) await chain.register(options.netuid, ownerHotkey)
  if (!hotkeys.has(validatorHotkey)) await chain.register(options.netuid, validatorHotkey, { validatorPermit: true, stake: 1_000_000_000_000n })
  await mkdir(paths.hub, { recursive: true })
  if (!(await exists(join(paths.model, 'model.safetensors')))) await writeTinyModel(paths.model, { arch: 'qwen2', seed: LOCAL_MODEL_SEED })
  if (!(await exists(paths.evalSet))) await writeFile(paths.evalSet, toJsonl(countingRows(40, 1)))
  if (!(await exists(paths.config))) await writeFile(paths.config, JSON.stringify(localCompetitionConfig, null, 2) + '\n')
  return { paths, chain, hub: new LocalHub(paths.hub), validatorHotkey, ownerHotkey }
}
