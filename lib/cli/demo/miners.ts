/**
 * The demo's miners, each publishing on the local hub and committing on the local chain
 * as a real miner would: good, mediocre and garbage datasets, an invalid file, a later
 * re-upload of the good rows in another order (same content: a duplicate), and a hotkey
 * that commits the good miner's exact commitment string (its proof fails).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { LocalChain } from '../../chain/index.js'
import type { CompetitionConfig } from '../../config/index.js'
import { datasetRepo, publishDataset } from '../../hub/index.js'
import { colorRows, countingRows, devAddress, shuffledRows, toJsonl, type LocalNetwork } from '../../local-subnet/index.js'
import { DATASET_FILE_IN_REPO, submitDataset } from '../../miner/index.js'
import type { IneligibleCode } from '../../scoring/index.js'

export interface DemoMiner {
  name: string
  hotkey: string
  uid: number
  /** What the demo expects the validator to make of it. */
  expect: 'scored' | IneligibleCode
  dataset: string
}

/** Registers a client signing as each plan's miner (a dev key named `<prefix>-<name>`), in order: their uids follow. */
export async function registerDemoMiners<M extends DemoMiner['expect'] | string>(
  net: LocalNetwork, prefix: string, plans: ReadonlyArray<{ name: string; expect: M; dataset: string }>,
): Promise<{ miners: Array<{ name: string; hotkey: string; uid: number; expect: M; dataset: string }>; clients: LocalChain[] }> {
  const miners: Array<{ name: string; hotkey: string; uid: number; expect: M; dataset: string }> = []
  const clients: LocalChain[] = []
  for (const p of plans) {
    const { chain, uid } = await net.clientFor(await devAddress(`${prefix}-${p.name}`))
    miners.push({ name: p.name, hotkey: chain.hotkey!, uid, expect: p.expect, dataset: p.dataset })
    clients.push(chain)
  }
  return { miners, clients }
}

interface Plan {
  name: string
  dataset: string
  expect: DemoMiner['expect']
  /** JSONL to upload, or the name of the miner whose commitment string is copied. */
  content: string | { copies: string }
}

const good = countingRows(64, 2)

export const DEMO_PLANS: readonly Plan[] = [
  { name: 'good', dataset: '64 on-topic rows (the eval set\'s kind of question)', expect: 'scored', content: toJsonl(good) },
  { name: 'mediocre', dataset: '16 on-topic rows, 48 off-topic', expect: 'scored', content: toJsonl([...countingRows(16, 5), ...colorRows(48, 3)]) },
  { name: 'garbage', dataset: 'the good rows with every message\'s characters shuffled', expect: 'scored', content: toJsonl(shuffledRows(good, 4)) },
  {
    name: 'invalid', dataset: 'broken JSON and turns out of order', expect: 'invalid-dataset',
    content: `${JSON.stringify(good[0])}\n{"conversations": [{"role": "assistant", "content": "hi"}]}\n{"conversations": [\n`,
  },
  { name: 'reupload', dataset: 'the good rows in reverse order, own repo, later block', expect: 'duplicate', content: toJsonl([...good].reverse()) },
  { name: 'copycat', dataset: 'commits the good miner\'s commitment string as is', expect: 'copied-commitment', content: { copies: 'good' } },
]

/**
 * Registers the demo's miners, then publishes each one's dataset: the honest ones through
 * the miner's own code path (submitDataset, as `flock-miner submit --local` does), the
 * invalid file and the copied string as a miner not using our tools would.
 */
export async function addDemoMiners(net: LocalNetwork, netuid: number, config: CompetitionConfig, workDir: string): Promise<DemoMiner[]> {
  const { miners, clients } = await registerDemoMiners(net, 'FlockDemoMiner', DEMO_PLANS)
  await net.chain.advanceBlocks(1)
  await mkdir(workDir, { recursive: true })
  const committed = new Map<string, string>()
  for (const [i, p] of DEMO_PLANS.entries()) {
    const chain = clients[i]!
    const repo = `${p.name}-miner/chat-dataset`
    let text: string
    if (typeof p.content !== 'string') {
      text = committed.get(p.content.copies)!
      await chain.publishCommitment(netuid, text)
    } else if (p.expect === 'invalid-dataset') {
      const published = await publishDataset(net.hub, { repo: datasetRepo(repo), content: p.content, pathInRepo: DATASET_FILE_IN_REPO, message: `${p.name} dataset` })
      text = `${repo}:${published.sha}:${published.sha256.slice(0, 32)}`
      await chain.publishCommitment(netuid, text)
    } else {
      const datasetPath = join(workDir, `${p.name}.jsonl`)
      await writeFile(datasetPath, p.content)
      text = (await submitDataset({ datasetPath, repoId: repo, hub: net.hub, chain, netuid, config })).commitment
    }
    committed.set(p.name, text)
  }
  return miners
}
