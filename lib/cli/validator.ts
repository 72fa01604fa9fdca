/**
 * flock-validator's program, given its parsed flags: against the real network (a btcli
 * wallet, subtensor, Hugging Face) or, with `local`, against the local subnet under the
 * state folder. Loops one round per epoch until stopped, or runs one round with `once`.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'

import type { Logger } from 'pino'

import { loadHotkey, SubtensorChain, type Chain, type WalletOptions } from '../chain/index.js'
import { competitionFiles, loadCompetition } from './competition.js'
import type { Competition } from '../competition/index.js'
import { defaultHubCacheDir, HfHub, type Hub } from '../hub/index.js'
import { defaultLocalStateDir, openLocalNetwork } from '../local-subnet/index.js'
import { FlockMetrics, serveMetrics } from '../metrics/flock-metrics.js'
import type { AssembleOptions } from '../validator/assemble.js'
import { countChainErrors } from '../metrics/chain-metrics.js'
import { openValidatorProgram } from '../validator/programs.js'
import { formatRanking, formatWeights } from '../validator/ranking-table.js'
import { jsonReporter, progressReporter, silentReporter, type Reporter } from '../validator/reporter.js'
import type { WeightsSettings } from '../validator/send-weights.js'
import { StopRequested } from '../validator/miner-run.js'

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
  /** The UTC time the cycle starts from (--utc_now, local runs only); the clock runs on from it. */
  utcNow?: Date
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
      const where = s.competition ? `competition ${s.competition.id ?? '-'} (${s.competition.phase}${s.competition.carriesOn ? `, carrying ${s.competition.carriesOn}'s reward on` : ''}), ` : ''
      if (options.table !== false) process.stdout.write(`\n${where}epoch ${s.epoch}, block ${s.block}: ${s.evaluated.length} evaluated, ${s.deferred} deferred\n${formatRanking(s.ranking, s.scoreLabel)}\n${formatWeights(s.weights, s.sent)}\n`)
    },
  }
}

interface Mode {
  chain: Chain
  hub: Hub
  competition: Competition
  stateDir: string
  cacheDir: string
  resolveFiles: AssembleOptions['resolveFiles']
}

async function localMode(o: ValidatorCliOptions, stateDir: string): Promise<Mode> {
  const net = await openLocalNetwork({ stateDir, netuid: o.netuid })
  // resolved as flock-miner --local resolves it, so its preview uses the same config and files
  const competition = await loadCompetition({ ...(o.configPath ? { config: o.configPath } : {}), local: net.paths })
  await competition.rules.prepareLocal(net.hub)
  return {
    chain: net.chain, hub: net.hub, competition, stateDir: net.paths.validator, cacheDir: join(net.paths.validator, 'hub-cache'),
    resolveFiles: (cache) => competitionFiles({ competition, local: net.paths, cache }),
  }
}

async function networkMode(o: ValidatorCliOptions, stateDir: string): Promise<Mode> {
  const competition = await loadCompetition({ ...(o.configPath ? { config: o.configPath } : {}), local: null })
  const hotkey = await loadHotkey(o.wallet)
  o.logger.info({ hotkey: hotkey.address, network: o.network, netuid: o.netuid }, 'connecting to subtensor')
  const chain = await SubtensorChain.connect({ network: o.network, hotkey, stateDir, ...(o.blockSeconds !== undefined ? { blockSeconds: o.blockSeconds } : {}) })
  o.logger.info({ specVersion: chain.runtime.specVersion, epochScheduler: chain.runtime.scheduler, weightCommits: chain.runtime.weightCommits }, 'subtensor runtime')
  return {
    chain, hub: new HfHub(), competition, stateDir, cacheDir: defaultHubCacheDir(),
    resolveFiles: (cache) => competitionFiles({ competition, local: null, cache, signal: o.signal }),
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
    const offset = o.utcNow ? o.utcNow.getTime() - Date.now() : 0
    try {
      const v = await openValidatorProgram({
        ...mode, config: mode.competition.config, rules: mode.competition.rules, netuid: o.netuid, logger: o.logger, reporter, burnUid: o.burnUid, signal: o.signal,
        ...(o.utcNow ? { now: () => new Date(Date.now() + offset) } : {}),
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
        if (o.once) await v.once(o.signal)
        else await v.run(o.signal)
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
