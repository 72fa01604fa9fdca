/**
 * The demo's miners, each publishing on the local hub and committing on the local chain
 * as a real miner would: good, mediocre and garbage datasets, an invalid file, a later
 * re-upload of the good rows in another order (same content: a duplicate), and a hotkey
 * that commits the good miner's exact commitment string (its proof fails).
 */
import { formatCommitment, LocalChain } from '../chain/index.js'
import type { IneligibleCode } from '../scoring/index.js'
import { datasetRepo, publishDataset } from '../hub/index.js'
import { colorRows, countingRows, devAddress, shuffledRows, toJsonl, type LocalNetwork } from '../local/index.js'

export interface DemoMiner {
  name: string
  hotkey: string
  uid: number
  /** What the demo expects the validator to make of it. */
  expect: 'scored' | IneligibleCode
  dataset: string
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

export async function addDemoMiners(net: LocalNetwork, netuid: number): Promise<DemoMiner[]> {
  const miners: DemoMiner[] = []
  for (const p of DEMO_PLANS) {
    const hotkey = await devAddress(`FlockDemoMiner-${p.name}`)
    miners.push({ name: p.name, hotkey, uid: await net.chain.register(netuid, hotkey), expect: p.expect, dataset: p.dataset })
  }
  await net.chain.advanceBlocks(1)
  const committed = new Map<string, string>()
  for (const [i, p] of DEMO_PLANS.entries()) {
    const hotkey = miners[i]!.hotkey
    let text: string
    if (typeof p.content === 'string') {
      const repo = `${p.name}-miner/chat-dataset`
      const published = await publishDataset(net.hub, { repo: datasetRepo(repo), content: p.content, pathInRepo: 'data.jsonl', message: `${p.name} dataset` })
      text = formatCommitment(repo, published.sha, published.sha256, hotkey)
    } else {
      text = committed.get(p.content.copies)!
    }
    const client = await LocalChain.open({ path: net.paths.chain, hotkey })
    await client.publishCommitment(netuid, text)
    committed.set(p.name, text)
  }
  return miners
}
