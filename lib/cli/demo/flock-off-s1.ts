/**
 * `flock-validator --local --demo --config flock-off-s1`: one day of the live SN96 rules on
 * a fresh local subnet, with a simulated UTC clock. Miners select rows of the local eval set
 * and publish them through the miner's own code path (submitDataset, the flock-off-s1 codec);
 * the validator records them in the submission window, validates them (one selection copies
 * too many of another's rows, one has a row that is not in the eval set, one commits the
 * revision "None"), decides the winner in the rewards window and sends the weights; the next
 * day, with the eval set unchanged, the winner keeps the weight.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { competitionFiles } from '../competition.js'
import type { Competition } from '../../competition/index.js'
import { WEIGHTS_BLOCK_THRESHOLD } from '../../competition/flock-off-s1/constants.js'
import { readRawRows } from '../../competition/flock-off-s1/selection.js'
import { datasetRepo, HubCache, publishDataset } from '../../hub/index.js'
import { devAddress, type LocalNetwork } from '../../local-subnet/index.js'
import { DATASET_FILE_IN_REPO, submitDataset } from '../../miner/index.js'
import { topCount, winnerTakeAllRank } from '../../scoring/index.js'
import type { IneligibleCode } from '../../scoring/index.js'
import { openDailyValidator } from '../../validator/programs.js'
import { formatRanking, formatWeights } from '../../validator/ranking-table.js'
import type { RoundSummary } from '../../validator/reporter.js'
import { registerDemoMiners } from './miners.js'
import type { DemoOptions } from './run.js'

export interface S1DemoMiner {
  name: string
  hotkey: string
  uid: number
  expect: 'scored' | IneligibleCode
  dataset: string
}

export interface S1DemoOutcome {
  miners: S1DemoMiner[]
  /** the rewards step's summary */
  summary: RoundSummary
  winner: { uid: number; loss: number; commitBlock: number } | null
  /** the uids of the lowest losses the winner was chosen from */
  top: number[]
  chainWeights: Array<[number, number]>
  validatorUid: number
  /** the weight holder after the next day's submission window (the eval set did not change) */
  nextDay: { competition: string; carriesOn: string | null; weightUid: number }
}

/** Idle hotkeys registered so the subnet has 40: then the winner is the earliest of the 2 lowest losses (5 % of 40). */
const HOTKEYS_IN_ALL = 40
const DAY = '2026-03-02'
const at = (iso: string) => new Date(iso)

interface Plan {
  name: string
  expect: S1DemoMiner['expect']
  dataset: string
  /** fresh eval rows of each kind, or the first rows of an earlier miner's selection */
  rows: Array<[Kind, number] | [{ of: string }, number]>
  /** the last row is replaced by one written by the miner (not in the eval set) */
  outsider?: boolean
  /** commits the revision field "None" (main) */
  none?: boolean
}

type Kind = 'after' | 'plus' | 'color' | 'spell'
const kindOf = (line: string): Kind => (line.includes('What comes after') ? 'after' : line.includes(' plus ') ? 'plus' : line.includes('Is a ') ? 'color' : 'spell')

const PLANS: readonly Plan[] = [
  { name: 'early', expect: 'scored', dataset: '40 "what comes after N" + 30 sums + 30 colors, committed first', rows: [['after', 40], ['plus', 30], ['color', 30]] },
  { name: 'later', expect: 'scored', dataset: '50 "what comes after N" + 50 sums, committed next', rows: [['after', 50], ['plus', 50]] },
  { name: 'off-topic', expect: 'scored', dataset: '64 colors + 36 spelling rows', rows: [['color', 64], ['spell', 36]] },
  { name: 'copier', expect: 'duplicate', dataset: '40 of early\'s rows + 60 other sums', rows: [[{ of: 'early' }, 40], ['plus', 60]] },
  { name: 'outsider', expect: 'not-in-eval-set', dataset: '99 eval rows + 1 row the miner wrote', rows: [['after', 40], ['plus', 39], ['color', 20], ['after', 1]], outsider: true },
  { name: 'branch', expect: 'invalid-revision', dataset: 'its own 100 eval rows, committed with the revision "None" (main)', rows: [['after', 50], ['plus', 50]], none: true },
]

/** Each plan's selection: fresh rows of each kind in eval-set order, so only the copier shares more than 33 rows with another. */
function selections(byKind: ReadonlyMap<Kind, string[]>): Map<string, string[]> {
  const next = new Map<Kind, number>()
  const out = new Map<string, string[]>()
  for (const p of PLANS) {
    const lines: string[] = []
    for (const [from, count] of p.rows) {
      if (typeof from === 'object') {
        lines.push(...out.get(from.of)!.slice(0, count))
        continue
      }
      const at = next.get(from) ?? 0
      const pool = byKind.get(from) ?? []
      if (at + count > pool.length) throw new Error(`the local eval set has too few ${from} rows for the demo`)
      lines.push(...pool.slice(at, at + count))
      next.set(from, at + count)
    }
    if (p.outsider) lines[lines.length - 1] = JSON.stringify({ system: null, conversations: [{ role: 'user', content: 'What comes after 999?' }, { role: 'assistant', content: '1000 comes after 999.' }] })
    out.set(p.name, lines)
  }
  return out
}

export interface S1DemoOptions extends Omit<DemoOptions, 'stateDir' | 'config'> {
  net: LocalNetwork
  competition: Competition
  dir: string
}

export async function runS1Demo(o: S1DemoOptions): Promise<S1DemoOutcome> {
  const { net, netuid } = o
  const write = (s: string) => o.out?.write(`${s}\n`)
  const clock = { t: at(`${DAY}T12:05:00Z`) }
  const cacheDir = join(net.paths.validator, 'hub-cache')
  const files = await competitionFiles({ competition: o.competition, local: net.paths, cache: new HubCache({ hub: net.hub, cacheDir }) })
  const evalRows = await readRawRows(files.evalPath)
  const byKind = new Map<Kind, string[]>()
  for (const line of evalRows.lines) byKind.set(kindOf(line), [...(byKind.get(kindOf(line)) ?? []), line])

  // miners, then idle hotkeys up to HOTKEYS_IN_ALL
  const { miners, clients } = await registerDemoMiners(net, 'FlockS1Miner', PLANS)
  const registered = (await net.chain.metagraph(netuid)).neurons.length
  for (let i = 0; registered + i < HOTKEYS_IN_ALL; i++) await net.chain.register(netuid, await devAddress(`FlockS1Idle-${i}`))
  await net.chain.advanceBlocks(1)

  write(`Local subnet ${netuid} in ${o.dir}: owner uid 0, validator uid 1, ${miners.length} miners, ${HOTKEYS_IN_ALL} hotkeys in all`)
  write(`flock-off-s1: eval set ${files.eval.ref} (${evalRows.keys.length} rows); the winner is the earliest commitment among the ${topCount(HOTKEYS_IN_ALL, o.competition.config.scoring.winnerTakeAllFraction)} lowest losses (5 % of ${HOTKEYS_IN_ALL} hotkeys)`)
  for (const m of miners) write(`  uid ${m.uid}  ${m.name.padEnd(9)} ${m.dataset}`)

  const { validator, close } = await openDailyValidator({
    chain: net.chain, hub: net.hub, netuid, config: o.competition.config, rules: o.competition.rules, stateDir: net.paths.validator, cacheDir,
    logger: o.logger, ...(o.reporter ? { reporter: o.reporter } : {}), ...(o.numThreads !== undefined ? { numThreads: o.numThreads } : {}),
    resolveFiles: async () => files, now: () => clock.t,
  })
  try {
    // 12:05 UTC: the window is open; each miner commits its selection
    await mkdir(join(net.paths.root, 'miners'), { recursive: true })
    const chosen = selections(byKind)
    for (const [i, p] of PLANS.entries()) {
      const chain = clients[i]!
      const jsonl = chosen.get(p.name)!.join('\n') + '\n'
      const repo = `${p.name}-miner/s1-selection`
      if (p.none) {
        await publishDataset(net.hub, { repo: datasetRepo(repo), content: jsonl, pathInRepo: DATASET_FILE_IN_REPO, message: `${p.name} selection` })
        // what a miner writing the live format by hand may commit: "None" for main
        await chain.publishCommitment(netuid, `${repo}:${DAY.replaceAll('-', '')}:None`)
      } else {
        const datasetPath = join(net.paths.root, 'miners', `${p.name}.jsonl`)
        await writeFile(datasetPath, jsonl)
        await submitDataset({ datasetPath, repoId: repo, hub: net.hub, chain, netuid, config: o.competition.config, commitment: o.competition.rules.commitment, at: clock.t })
      }
    }
    clock.t = at(`${DAY}T12:10:00Z`)
    await validator.step(o.signal)
    const today = validator.state.active!
    write('')
    write(`${stamp(clock.t)}  submission window: competition ${today} open, ${Object.keys(validator.state.competitions[today]!.submissions).length} submissions recorded`)

    clock.t = at(`${DAY}T12:40:00Z`)
    const validation = await validator.step(o.signal, { wholeQueue: true })
    write(`${stamp(clock.t)}  validation: ${validation.summary?.evaluated.length ?? 0} submissions decided`)

    clock.t = at('2026-03-03T11:40:00Z')
    await validator.step(o.signal)
    const c = validator.state.competitions[today]!
    // the weights go out once the epoch step is at most 50 blocks away
    const epoch = await net.chain.epoch(netuid)
    if (epoch.blocksUntilNextEpoch > WEIGHTS_BLOCK_THRESHOLD) await net.chain.advanceBlocks(epoch.blocksUntilNextEpoch - WEIGHTS_BLOCK_THRESHOLD)
    clock.t = at('2026-03-03T11:41:00Z')
    const sentStep = await validator.step(o.signal)
    const summary = sentStep.summary!
    // the lowest losses as the rule itself cuts them (the program decided the winner with the same call)
    const scored = summary.ranking.filter((r) => r.eligible).map((r) => ({ uid: r.uid, loss: r.loss!, commitBlock: r.commitBlock }))
    const top = winnerTakeAllRank(scored, HOTKEYS_IN_ALL, o.competition.config.scoring.winnerTakeAllFraction)?.top ?? []
    write(`${stamp(at('2026-03-03T11:40:00Z'))}  rewards: lowest losses ${top.map((r) => `uid ${r.uid} ${r.loss!.toFixed(6)} (block ${r.commitBlock})`).join(', ')}; winner uid ${c.winner?.uid ?? '-'}, the earliest of them`)
    write(`${stamp(clock.t)}  block ${summary.block}, ${(await net.chain.epoch(netuid)).blocksUntilNextEpoch} blocks before the epoch step: the weights are due`)
    write('')
    write(formatRanking(summary.ranking, 'winner'))
    write('')
    write(formatWeights(summary.weights, summary.sent))
    const validatorUid = (await net.chain.metagraph(netuid)).neurons.find((n) => n.hotkey === net.validatorHotkey)!.uid
    const chainWeights = (await net.chain.weights(netuid)).get(validatorUid) ?? []
    write(`on chain, validator uid ${validatorUid}: ${chainWeights.map(([u, w]) => `${u}:${w}`).join(' ') || '(none)'}`)

    clock.t = at('2026-03-03T12:10:00Z')
    await validator.step(o.signal)
    const next = validator.state.active!
    const nextDay = { competition: next, carriesOn: validator.state.competitions[next]!.copiedFrom, weightUid: validator.state.weights.uid }
    write('')
    write(`${stamp(clock.t)}  submission window: the eval set is unchanged, so competition ${next} carries ${nextDay.carriesOn ?? '-'}'s reward on: uid ${nextDay.weightUid} keeps the weight`)
    o.jsonOut?.write(`${JSON.stringify({ event: 'demo-chain-weights', validatorUid, weights: chainWeights, miners, winner: c.winner, nextDay })}\n`)
    return { miners, summary, winner: c.winner, top: top.map((r) => r.uid), chainWeights, validatorUid, nextDay }
  } finally {
    o.reporter?.close()
    await close()
  }
}

const stamp = (t: Date) => `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`
