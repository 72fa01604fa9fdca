/**
 * `flock-validator --local --demo`: a fresh local subnet with the demo's miners, one full
 * validator round on the tiny model, the ranking table and the weights read back from the
 * chain. Takes seconds on a CPU. With `--config flock-off-s1`, the demo of that
 * competition's rules instead (flock-off-s1.ts).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { Logger } from 'pino'

import { competitionFiles, loadCompetition } from '../competition.js'
import type { CompetitionRules } from '../../competition/index.js'
import { openLocalNetwork, type LocalNetwork } from '../../local-subnet/index.js'
import { assembleValidator } from '../../validator/assemble.js'
import { formatRanking, formatWeights } from '../../validator/ranking-table.js'
import type { Reporter, RoundSummary } from '../../validator/reporter.js'
import { runS1Demo, type S1DemoOutcome } from './flock-off-s1.js'
import { addDemoMiners, type DemoMiner } from './miners.js'

/** The demo chain's genesis hash: that of the run the README shows, so every run prints that table. */
export const DEMO_GENESIS = '0x7d5621d5d9e5913208e047a998a5477403c15a92d465f9a20046f98e4dbb5a3a'

export interface DemoOptions {
  /** An empty or new folder to keep the demo's state in; default: a temporary folder, removed afterwards. */
  stateDir?: string
  netuid: number
  logger: Logger
  reporter?: Reporter
  /** Human output (the table); null for none (e.g. with --json). */
  out: NodeJS.WritableStream | null
  /** Where to write a closing JSON line with the weights read back from the chain (with --json). */
  jsonOut?: NodeJS.WritableStream
  signal: AbortSignal
  numThreads?: number
  /** --config: an embedded competition's name or a config file (default: the local network's config) */
  config?: string
}

export interface DemoOutcome {
  miners: DemoMiner[]
  summary: RoundSummary
  /** The validator's weights as stored on the local chain: (uid, u16) pairs. */
  chainWeights: Array<[number, number]>
  validatorUid: number
}

async function emptyOrNew(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
  }
}

/** The demo of the default rules: the six miners of miners.ts, one round. */
export async function runDemo(o: DemoOptions): Promise<DemoOutcome> {
  return (await demo(o, 'epoch')) as DemoOutcome
}

/** The demo of the competition `o.config` names (the default rules' or flock-off-s1's). */
export function runCompetitionDemo(o: DemoOptions): Promise<DemoOutcome | S1DemoOutcome> {
  return demo(o, null)
}

type DemoRun = (o: DemoOptions, net: LocalNetwork, dir: string, competition: Awaited<ReturnType<typeof loadCompetition>>) => Promise<DemoOutcome | S1DemoOutcome>

const DEMOS: Readonly<Record<CompetitionRules['cycle'], DemoRun>> = {
  epoch: epochDemo,
  'daily-utc': (o, net, dir, competition) => runS1Demo({ ...o, net, dir, competition }),
}

async function demo(o: DemoOptions, only: CompetitionRules['cycle'] | null): Promise<DemoOutcome | S1DemoOutcome> {
  if (o.stateDir && !(await emptyOrNew(o.stateDir))) throw new Error(`--demo sets up a new local subnet: ${o.stateDir} must be empty or absent`)
  const dir = o.stateDir ?? (await mkdtemp(join(tmpdir(), 'flock-demo-')))
  try {
    // blocks only on extrinsics, and a known genesis: the same block hashes, so the same seeds and losses, every run
    const net = await openLocalNetwork({ stateDir: dir, netuid: o.netuid, blockTimeMs: null, genesisHash: DEMO_GENESIS })
    const competition = await loadCompetition({ ...(o.config !== undefined ? { config: o.config } : {}), local: net.paths })
    await competition.rules.prepareLocal(net.hub)
    return await DEMOS[only ?? competition.rules.cycle](o, net, dir, competition)
  } finally {
    if (!o.stateDir) await rm(dir, { recursive: true, force: true })
  }
}

async function epochDemo(o: DemoOptions, net: LocalNetwork, dir: string, competition: Awaited<ReturnType<typeof loadCompetition>>): Promise<DemoOutcome> {
  const { config } = competition
  const miners = await addDemoMiners(net, o.netuid, config, join(net.paths.root, 'miners'))
  const write = (s: string) => o.out?.write(`${s}\n`)
  write(`Local subnet ${o.netuid} in ${dir}: owner uid 0, validator uid 1, ${miners.length} miners:`)
  for (const m of miners) write(`  uid ${m.uid}  ${m.name.padEnd(9)} ${m.dataset}`)
  const files = await competitionFiles({ competition, local: net.paths })
  const v = await assembleValidator({
    chain: net.chain, hub: net.hub, netuid: o.netuid, config, stateDir: net.paths.validator, cacheDir: join(net.paths.validator, 'hub-cache'),
    logger: o.logger, ...(o.reporter ? { reporter: o.reporter } : {}), ...(o.numThreads !== undefined ? { numThreads: o.numThreads } : {}),
    resolveFiles: async () => files,
  })
  let summary: RoundSummary
  try {
    summary = await v.validator.runRound({ signal: o.signal, wholeQueue: true })
  } finally {
    o.reporter?.close()
    await v.close()
  }
  const validatorUid = (await net.chain.metagraph(o.netuid)).neurons.find((n) => n.hotkey === net.validatorHotkey)!.uid
  const chainWeights = (await net.chain.weights(o.netuid)).get(validatorUid) ?? []
  write('')
  write(formatRanking(summary.ranking))
  write('')
  write(formatWeights(summary.weights, summary.sent))
  write(`on chain, validator uid ${validatorUid}: ${chainWeights.map(([u, w]) => `${u}:${w}`).join(' ') || '(none)'}`)
  o.jsonOut?.write(`${JSON.stringify({ event: 'demo-chain-weights', validatorUid, weights: chainWeights, miners })}\n`)
  return { miners, summary, chainWeights, validatorUid }
}
