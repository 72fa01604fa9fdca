/**
 * `flock-validator --local --demo`: a fresh local subnet with the demo's miners, one full
 * validator round on the tiny model, the ranking table and the weights read back from the
 * chain. Takes seconds on a CPU.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { Logger } from 'pino'

import { competitionFiles, loadCompetition } from '../cli/competition.js'
import { openLocalNetwork } from '../local/index.js'
import { assembleValidator } from '../validator/assemble.js'
import { formatRanking, formatWeights } from '../validator/ranking-table.js'
import type { Reporter, RoundSummary } from '../validator/reporter.js'
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

export async function runDemo(o: DemoOptions): Promise<DemoOutcome> {
  if (o.stateDir && !(await emptyOrNew(o.stateDir))) throw new Error(`--demo sets up a new local subnet: ${o.stateDir} must be empty or absent`)
  const dir = o.stateDir ?? (await mkdtemp(join(tmpdir(), 'flock-demo-')))
  try {
    // blocks only on extrinsics, and a known genesis: the same block hashes, so the same seeds and losses, every run
    const net = await openLocalNetwork({ stateDir: dir, netuid: o.netuid, blockTimeMs: null, genesisHash: DEMO_GENESIS })
    const { config } = await loadCompetition({ local: net.paths })
    const miners = await addDemoMiners(net, o.netuid, config, join(net.paths.root, 'miners'))
    const write = (s: string) => o.out?.write(`${s}\n`)
    write(`Local subnet ${o.netuid} in ${dir}: owner uid 0, validator uid 1, ${miners.length} miners:`)
    for (const m of miners) write(`  uid ${m.uid}  ${m.name.padEnd(9)} ${m.dataset}`)
    const files = await competitionFiles({ config, local: net.paths })
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
  } finally {
    if (!o.stateDir) await rm(dir, { recursive: true, force: true })
  }
}
