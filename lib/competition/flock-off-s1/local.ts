/**
 * flock-off-s1 on a --local network: its eval set is published on the local hub under the
 * live repo's name, so the validator and the miner resolve it exactly as they do on Hugging
 * Face (the head of main). 600 seeded rows of four kinds, so selections differ in quality:
 * counting and sums (the tiny model learns them), colors and reversed words (it learns little).
 */
import { datasetRepo, HubNotFoundError, publishDataset, type Hub } from '../../hub/index.js'
import type { DatasetRow } from '../../dataset/index.js'
import { COLORS, exchange, toJsonl } from '../../local-subnet/chat-data.js'
import { SeededRandom } from '../../util/seeded-random.js'
import { EVAL_SET_BRANCH, EVAL_SET_REPO } from './constants.js'

const THINGS = ['sky', 'sea', 'leaf', 'lemon', 'plum', 'fox', 'rose', 'bark', 'snow', 'coal', 'stone', 'duck']
const WORDS = ['apple', 'river', 'candle', 'garden', 'window', 'silver', 'marble', 'pepper', 'ladder', 'forest', 'button', 'rocket']

/** The local eval set: `count` distinct rows, the same on every machine. */
export function localS1EvalRows(count = 600): DatasetRow[] {
  const rng = new SeededRandom(96, 'flock-off-s1-local-eval')
  const seen = new Set<string>()
  const rows: DatasetRow[] = []
  while (rows.length < count) {
    const kind = rng.int(4)
    let row: DatasetRow
    if (kind === 0) {
      const n = 1 + rng.int(400)
      row = exchange(`What comes after ${n}?`, `${n + 1} comes after ${n}.`)
    } else if (kind === 1) {
      const a = 1 + rng.int(50)
      const b = 1 + rng.int(50)
      row = exchange(`What is ${a} plus ${b}?`, `${a} plus ${b} is ${a + b}.`)
    } else if (kind === 2) {
      const c = COLORS[rng.int(COLORS.length)]!
      const t = THINGS[rng.int(THINGS.length)]!
      row = exchange(`Is a ${t} ever ${c}?`, `A ${t} can be ${c} in some light.`)
    } else {
      const w = WORDS[rng.int(WORDS.length)]!
      const k = 1 + rng.int(3)
      row = exchange(`Spell ${w} backwards ${k} time(s).`, Array.from({ length: k }, () => [...w].reverse().join('')).join(' '))
    }
    const key = JSON.stringify(row)
    if (seen.has(key)) continue
    seen.add(key)
    rows.push(row)
  }
  return rows
}

/** Publishes the local eval set when the hub has none yet (the first tool to open the local network). */
export async function publishLocalS1EvalSet(hub: Hub): Promise<void> {
  try {
    await hub.resolveRevision(datasetRepo(EVAL_SET_REPO), EVAL_SET_BRANCH)
    return
  } catch (err) {
    if (!(err instanceof HubNotFoundError)) throw err
  }
  await publishDataset(hub, { repo: datasetRepo(EVAL_SET_REPO), content: toJsonl(localS1EvalRows()), pathInRepo: 'data.jsonl', message: 'flock-off-s1 local eval set' })
}
