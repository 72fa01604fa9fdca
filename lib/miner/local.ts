/**
 * `--local`: everything under one state folder, shared with `flock-validator --local`
 * (same layout, same default folder), so a miner's submission is what the local
 * validator sees:
 *
 *   <state-dir>/chain.json          LocalChain state (pending-reveals.json sits beside it)
 *   <state-dir>/hub/                LocalHub root (datasets/<owner>/<name>/...)
 *   <state-dir>/hub-cache/          HF-layout download cache over that hub
 *   <state-dir>/model/              the base model: a tiny generated Qwen2 (seed 1), written on first use
 *   <state-dir>/eval.jsonl          the eval set, when present (else --eval_path or the config's evalSet)
 *   <state-dir>/config.json         the competition config, when present (else --config or the default)
 */
import { randomUUID } from 'node:crypto'
import { access, mkdir, rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

import { ChainRequestError, type Hotkey, LocalChain } from '../chain/index.js'
import { LOCAL_MODEL_SEED, localNetworkPaths } from '../local/index.js'
import { writeTinyModel } from '../tiny-model/index.js'

export const DEFAULT_LOCAL_STATE_DIR = join('~', '.flock', 'local')  // defaultLocalStateDir() of lib/local

export interface LocalLayout {
  stateDir: string
  chainFile: string
  hubDir: string
  cacheDir: string
  modelDir: string
  evalFile: string
  configFile: string
}

export function localLayout(stateDir: string = DEFAULT_LOCAL_STATE_DIR): LocalLayout {
  const root = resolve(stateDir === '~' ? homedir() : stateDir.startsWith('~/') ? join(homedir(), stateDir.slice(2)) : stateDir)
  // the same files flock-validator --local uses (lib/local), so both tools share one subnet
  const net = localNetworkPaths(root)
  return {
    stateDir: dirname(net.chain),
    chainFile: net.chain,
    hubDir: net.hub,
    cacheDir: join(dirname(net.chain), 'miner-hub-cache'),
    modelDir: net.model,
    evalFile: net.evalSet,
    configFile: net.config,
  }
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false)
}

/** The local base model folder, written (atomically, once) when missing. */
export async function ensureLocalModel(layout: LocalLayout): Promise<string> {
  if (await exists(join(layout.modelDir, 'config.json'))) return layout.modelDir
  await mkdir(layout.stateDir, { recursive: true })
  const tmp = join(layout.stateDir, `.model-${randomUUID()}`)
  try {
    await writeTinyModel(tmp, { arch: 'qwen2', seed: LOCAL_MODEL_SEED })
    await rename(tmp, layout.modelDir)
  } catch (err) {
    // another process got there first: its model is the same one
    if (!(await exists(join(layout.modelDir, 'config.json')))) throw err
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  return layout.modelDir
}

export interface LocalChainSetup {
  chain: LocalChain
  /** the hotkey's uid, and whether this call registered it */
  uid: number
  registered: boolean
  createdSubnet: boolean
}

/**
 * Opens the local chain signing as `hotkey`. The subnet is created and the hotkey
 * registered when they are not yet: the local chain's admin calls stand in for
 * `btcli subnet create` and `btcli subnet register`.
 */
export async function openLocalChain(options: { layout: LocalLayout; hotkey: Hotkey; netuid: number }): Promise<LocalChainSetup> {
  const { netuid, hotkey } = options
  await mkdir(options.layout.stateDir, { recursive: true })
  const chain = await LocalChain.open({ path: options.layout.chainFile, hotkey })
  let createdSubnet = false
  try {
    await chain.createSubnet(netuid)
    createdSubnet = true
  } catch (err) {
    // it exists already (the metagraph read below fails if it does not)
    if (!(err instanceof ChainRequestError)) throw err
  }
  const known = (await chain.metagraph(netuid)).neurons.find((n) => n.hotkey === hotkey.address)
  if (known) return { chain, uid: known.uid, registered: false, createdSubnet }
  const uid = await chain.register(netuid, hotkey.address)
  return { chain, uid, registered: true, createdSubnet }
}
