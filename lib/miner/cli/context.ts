/** Builds what a command needs from its flags: config, logger, hub, chain, hotkey. */
import { join, resolve } from 'node:path'

import type { Logger } from 'pino'

import { type Chain, loadHotkey, SubtensorChain } from '../../chain/index.js'
import { logLevel } from '../../cli/common-flags.js'
import { createLogger } from '../../cli/logger.js'
import { type CompetitionConfig, defaultCompetitionConfig, loadCompetitionConfig } from '../../config/index.js'
import { defaultHubCacheDir, HfHub, type Hub, HubCache, LocalHub } from '../../hub/index.js'
import { exists, type LocalLayout, localLayout, openLocalChain } from '../local.js'
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
  io: CliIo
  log: Logger
  /** the `--local` layout, or null */
  local: LocalLayout | null
  /** a path flag, resolved against the working folder */
  path(p: string): string
}

export function makeContext(args: MinerArgs, io: CliIo): Context {
  return {
    args,
    io,
    log: createLogger({ name: 'flock-miner', level: logLevel(args), destination: io.stderr }),
    local: args.local ? localLayout(args['state-dir']) : null,
    path: (p) => resolve(io.cwd, p),
  }
}

/** --config, else (with --local) <state-dir>/config.json when present, else the embedded default. */
export async function competitionConfig(ctx: Context): Promise<CompetitionConfig> {
  if (ctx.args.config) return loadCompetitionConfig(ctx.path(ctx.args.config))
  if (ctx.local && (await exists(ctx.local.configFile))) return loadCompetitionConfig(ctx.local.configFile)
  return defaultCompetitionConfig
}

export function hub(ctx: Context): Hub {
  if (ctx.local) return new LocalHub(ctx.local.hubDir)
  return new HfHub({
    ...(ctx.args.hf_token !== undefined ? { token: ctx.args.hf_token } : {}),
    ...(ctx.args.hub_url ?? ctx.io.env.HF_ENDPOINT ? { hubUrl: ctx.args.hub_url ?? ctx.io.env.HF_ENDPOINT } : {}),
    env: ctx.io.env,
    envFile: join(ctx.io.cwd, '.env'),
  })
}

export function hubCache(ctx: Context, from: Hub): HubCache {
  const cacheDir = ctx.args.cache_dir ? ctx.path(ctx.args.cache_dir) : ctx.local ? ctx.local.cacheDir : defaultHubCacheDir()
  return new HubCache({ hub: from, cacheDir, logger: ctx.log })
}

/** A chain client signing with the wallet's hotkey; with --local the hotkey is registered on the local subnet if needed. */
export async function signingChain(ctx: Context): Promise<Chain> {
  const { wallet, netuid } = ctx.args
  const walletPath = wallet.path.startsWith('~') ? wallet.path : ctx.path(wallet.path)
  const hotkey = await loadHotkey({ path: walletPath, name: wallet.name, hotkey: wallet.hotkey })
  const blockTime = ctx.args.subtensor.block_time
  if (!ctx.local) return SubtensorChain.connect({ network: ctx.args.subtensor.network, hotkey, ...(blockTime !== undefined ? { blockSeconds: blockTime } : {}) })
  const setup = await openLocalChain({ layout: ctx.local, hotkey, netuid })
  if (setup.createdSubnet) ctx.log.info({ netuid, chain: ctx.local.chainFile }, 'local chain: created the subnet')
  if (setup.registered) ctx.log.info({ netuid, hotkey: hotkey.address, uid: setup.uid }, 'local chain: registered the hotkey')
  return setup.chain
}
