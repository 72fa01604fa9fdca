/** Builds what a command needs from its flags: config, logger, hub, chain, hotkey. */
import { join, resolve } from 'node:path'

import type { Logger } from 'pino'

import { type Chain, type Hotkey, LocalChain, loadHotkey, SubtensorChain } from '../../chain/index.js'
import { logLevel } from '../common-flags.js'
import { loadCompetition } from '../competition.js'
import { createLogger } from '../logger.js'
import type { Competition } from '../../competition/index.js'
import type { CompetitionConfig } from '../../config/index.js'
import { defaultHubCacheDir, HfHub, type Hub, HubCache, LocalHub } from '../../hub/index.js'
import { defaultLocalStateDir, expandHome, localNetworkPaths, openLocalNetwork, type LocalNetwork, type LocalNetworkPaths } from '../../local-subnet/index.js'
import type { MinerArgs } from './args.js'

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
  cwd: string
  signal?: AbortSignal
}

export interface Context {
  args: MinerArgs
  /** The flags as given (to tell a flag given from its default). */
  argv: readonly string[]
  io: CliIo
  log: Logger
  /** --state-dir, resolved (default ~/.flock/local) */
  stateDir: string
  /** the `--local` network's files, or null */
  local: LocalNetworkPaths | null
  /** a path flag, resolved against the working folder */
  path(p: string): string
}

export function makeContext(args: MinerArgs, argv: readonly string[], io: CliIo): Context {
  const stateDir = args['state-dir'] !== undefined ? resolve(io.cwd, expandHome(args['state-dir'])) : defaultLocalStateDir()
  return {
    args,
    argv,
    io,
    log: createLogger({ name: 'flock-miner', level: logLevel(args), destination: io.stderr }),
    stateDir,
    local: args.local ? localNetworkPaths(stateDir) : null,
    path: (p) => resolve(io.cwd, p),
  }
}

const competitions = new WeakMap<Context, Promise<Competition>>()

/** The competition (config and rules), resolved as the validator resolves it (lib/cli/competition.ts). */
export function competitionOf(ctx: Context): Promise<Competition> {
  let c = competitions.get(ctx)
  if (!c) {
    c = (async () => {
      // the local subnet's config file is written when the network is first opened
      const net = ctx.local ? await localNetwork(ctx) : null
      const competition = await loadCompetition({ ...(ctx.args.config ? { config: ctx.args.config } : {}), cwd: ctx.io.cwd, local: ctx.local })
      if (net) await competition.rules.prepareLocal(net.hub)
      return competition
    })()
    competitions.set(ctx, c)
  }
  return c
}

/** The competition config, resolved as the validator resolves it. */
export async function competitionConfig(ctx: Context): Promise<CompetitionConfig> {
  return (await competitionOf(ctx)).config
}

const opened = new WeakMap<Context, Promise<LocalNetwork>>()

/** The --local network, created (subnet, owner, validator, model, eval set, config) when missing. */
export function localNetwork(ctx: Context): Promise<LocalNetwork> {
  if (!ctx.local) throw new Error('not a --local run')
  let net = opened.get(ctx)
  if (!net) {
    net = openLocalNetwork({ stateDir: ctx.stateDir, netuid: ctx.args.netuid })
    opened.set(ctx, net)
  }
  return net
}

export function hub(ctx: Context): Hub {
  if (ctx.local) return new LocalHub(ctx.local.hub)
  return new HfHub({
    ...(ctx.args.hf_token !== undefined ? { token: ctx.args.hf_token } : {}),
    ...(ctx.args.hub_url ?? ctx.io.env.HF_ENDPOINT ? { hubUrl: ctx.args.hub_url ?? ctx.io.env.HF_ENDPOINT } : {}),
    env: ctx.io.env,
    envFile: join(ctx.io.cwd, '.env'),
  })
}

export function hubCache(ctx: Context, from: Hub): HubCache {
  const cacheDir = ctx.args.cache_dir ? ctx.path(ctx.args.cache_dir) : ctx.local ? ctx.local.minerCache : defaultHubCacheDir(ctx.io.env)
  return new HubCache({ hub: from, cacheDir, logger: ctx.log })
}

/** Whether any --wallet.* flag was given: preview then looks up the hotkey's commitment. */
export function walletGiven(ctx: Context): boolean {
  return ctx.argv.some((a) => a.startsWith('--wallet.') || a.startsWith('--wallet='))
}

export function hotkeyOf(ctx: Context): Promise<Hotkey> {
  const { wallet } = ctx.args
  const walletPath = wallet.path.startsWith('~') ? wallet.path : ctx.path(wallet.path)
  return loadHotkey({ path: walletPath, name: wallet.name, hotkey: wallet.hotkey })
}

/** A chain client signing with the wallet's hotkey; with --local the hotkey is registered on the local subnet if needed. */
export async function signingChain(ctx: Context): Promise<Chain> {
  const hotkey = await hotkeyOf(ctx)
  const blockTime = ctx.args.subtensor.block_time
  if (!ctx.local) return SubtensorChain.connect({ network: ctx.args.subtensor.network, hotkey, ...(blockTime !== undefined ? { blockSeconds: blockTime } : {}) })
  const net = await localNetwork(ctx)
  if (net.createdSubnet) ctx.log.info({ netuid: ctx.args.netuid, chain: net.paths.chain }, 'local chain: created the subnet (owner uid 0, validator uid 1)')
  const client = await net.clientFor(hotkey)
  if (client.registered) ctx.log.info({ netuid: ctx.args.netuid, hotkey: hotkey.address, uid: client.uid }, 'local chain: registered the hotkey')
  return client.chain
}

/** A chain client that reads (no registration, no signing). */
export async function readingChain(ctx: Context): Promise<Chain> {
  if (!ctx.local) return SubtensorChain.connect({ network: ctx.args.subtensor.network })
  return LocalChain.open({ path: (await localNetwork(ctx)).paths.chain })
}
