/**
 * flock-validator's program, given its parsed flags: against the real network (a btcli
 * wallet, subtensor, Hugging Face) or, with `local`, against the local subnet under the
 * state folder. Loops one round per epoch until stopped, or runs one round with `once`.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'

import type { Logger } from 'pino'

import { loadHotkey, SubtensorChain, type Chain, type WalletOptions } from '../chain/index.js'
import { competitionFiles, loadCompetition } from '../cli/competition.js'
import type { CompetitionConfig } from '../config/index.js'
import { defaultHubCacheDir, HfHub, type Hub } from '../hub/index.js'
import { defaultLocalStateDir, openLocalNetwork } from '../local/index.js'
import { FlockMetrics, serveMetrics } from '../queue/metrics.js'
import { assembleValidator, type AssembleOptions } from './assemble.js'
import { countChainErrors } from './chain-metrics.js'
import { formatRanking, formatWeights } from './ranking-table.js'
import { jsonReporter, progressReporter, silentReporter, type Reporter } from './reporter.js'
import type { WeightsSettings } from './send-weights.js'
import { StopRequested } from './miner-run.js'

export interface ValidatorCliOptions {
  netuid: number
  network: string
  wallet: WalletOptions
  configPath?: string
  json: boolean
  local: boolean
  stateDir?: string
  blocksPerEpoch?: number
  /** How weights go on chain (--weights.commit_reveal, --weights.mechanism_id). */
  weights?: WeightsSettings
  /** Seconds per block for drand rounds (--subtensor.block_time). */
  blockSeconds?: number
  once: boolean
  evalTimeoutSeconds?: number
  burnUid: number
  numThreads?: number
  /** Devices evaluations run on here (see AssembleOptions.devices). */
  devices?: string[]
  /** Hand evaluations to the BullMQ queue on this Redis. */
  redisUrl?: string
  queuePrefix?: string
  /** Serve Prometheus metrics on this port (0 = any free one). */
  metricsPort?: number
  metricsHost?: string
  logger: Logger
  signal: AbortSignal
}

export const defaultStateDir = (): string => join(homedir(), '.flock', 'validator')

/** Reporters for the output mode; human output also prints the table after each round. */
export function cliReporter(json: boolean, options: { table?: boolean } = {}): Reporter {
  if (json) return jsonReporter(process.stdout)
  const bars = process.stderr.isTTY ? progressReporter(process.stderr) : silentReporter
  return {
    ...bars,
    roundEnd(s) {
      bars.roundEnd(s)
      if (options.table !== false) process.stdout.write(`\nepoch ${s.epoch}, block ${s.block}: ${s.evaluated.length} evaluated, ${s.deferred} deferred\n${formatRanking(s.ranking)}\n${formatWeights(s.weights, s.sent)}\n`)
    },
  }
}

interface Mode {
  chain: Chain
  hub: Hub
  config: CompetitionConfig
  stateDir: string
  cacheDir: string
  resolveFiles: AssembleOptions['resolveFiles']
}

async function localMode(o: ValidatorCliOptions, stateDir: string): Promise<Mode> {
  const net = await openLocalNetwork({ stateDir, netuid: o.netuid })
  // resolved as flock-miner --local resolves it, so its preview uses the same config and files
  const { config } = await loadCompetition({ ...(o.configPath ? { config: o.configPath } : {}), local: net.paths })
  const files = await competitionFiles({ config, local: net.paths })
  return {
    chain: net.chain, hub: net.hub, config, stateDir: net.paths.validator, cacheDir: join(net.paths.validator, 'hub-cache'),
    resolveFiles: async () => files,
  }
}

async function networkMode(o: ValidatorCliOptions, stateDir: string): Promise<Mode> {
  const { config } = await loadCompetition({ ...(o.configPath ? { config: o.configPath } : {}), local: null })
  const hotkey = await loadHotkey(o.wallet)
  o.logger.info({ hotkey: hotkey.address, network: o.network, netuid: o.netuid }, 'connecting to subtensor')
  const chain = await SubtensorChain.connect({ network: o.network, hotkey, stateDir, ...(o.blockSeconds !== undefined ? { blockSeconds: o.blockSeconds } : {}) })
  o.logger.info({ specVersion: chain.runtime.specVersion, epochScheduler: chain.runtime.scheduler, weightCommits: chain.runtime.weightCommits }, 'subtensor runtime')
  return {
    chain, hub: new HfHub(), config, stateDir, cacheDir: defaultHubCacheDir(),
    resolveFiles: (cache) => competitionFiles({ config, local: null, cache, signal: o.signal }),
  }
}

export async function runValidatorCli(o: ValidatorCliOptions): Promise<void> {
  // with --local, the same default folder as flock-miner --local: both see one subnet
  const stateDir = o.stateDir ?? (o.local ? defaultLocalStateDir() : defaultStateDir())
  const metrics = o.metricsPort !== undefined ? new FlockMetrics() : undefined
  const server = metrics ? await serveMetrics(metrics, { port: o.metricsPort!, host: o.metricsHost ?? '127.0.0.1' }) : undefined
  if (server) o.logger.info({ metricsUrl: server.url }, 'metrics served')
  try {
    const mode = o.local ? await localMode(o, stateDir) : await networkMode(o, stateDir)
    const reporter = cliReporter(o.json)
    try {
      const v = await assembleValidator({
        ...mode, netuid: o.netuid, logger: o.logger, reporter, burnUid: o.burnUid, signal: o.signal,
        ...(metrics ? { metrics, chain: countChainErrors(mode.chain, metrics) } : {}),
        ...(o.blocksPerEpoch !== undefined ? { blocksPerEpoch: o.blocksPerEpoch } : {}),
        ...(o.weights ? { weights: o.weights } : {}),
        ...(o.evalTimeoutSeconds !== undefined ? { evalTimeoutMs: Math.round(o.evalTimeoutSeconds * 1000) } : {}),
        ...(o.numThreads !== undefined ? { numThreads: o.numThreads } : {}),
        ...(o.devices !== undefined ? { devices: o.devices } : {}),
        ...(o.redisUrl !== undefined ? { redisUrl: o.redisUrl } : {}),
        ...(o.queuePrefix !== undefined ? { queuePrefix: o.queuePrefix } : {}),
        ...(o.local ? { pollMs: 1000 } : {}),
      })
      try {
        if (o.once) await v.validator.runRound({ signal: o.signal, wholeQueue: true })
        else await v.validator.run(o.signal)
      } catch (err) {
        if (!(err instanceof StopRequested)) throw err
      } finally {
        await v.close()
      }
    } finally {
      reporter.close()
      await mode.chain.close()
    }
  } finally {
    await server?.close()
  }
  o.logger.info('validator stopped')
}
