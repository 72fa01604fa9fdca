/**
 * Seeded chat rows for local runs and the demo: "what comes after N?" is the local eval
 * distribution; colors are off topic; shuffled characters keep the format and lose the content.
 */
import type { DatasetRow } from '../dataset/index.js'
import { SeededRandom } from '../util/seeded-random.js'

export const COLORS = ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'pink', 'brown', 'white', 'black', 'gray', 'teal']

/** One user question and its assistant answer, no system prompt. */
export const exchange = (user: string, assistant: string): DatasetRow => ({
  system: null,
  conversations: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }],
})

export function countingRows(count: number, seed: number): DatasetRow[] {
  const rng = new SeededRandom(seed, 'counting-rows')
  return Array.from({ length: count }, () => {
    const n = 1 + rng.int(90)
    return exchange(`What comes after ${n}?`, `${n + 1} comes after ${n}.`)
  })
}

export function colorRows(count: number, seed: number): DatasetRow[] {
  const rng = new SeededRandom(seed, 'color-rows')
  return Array.from({ length: count }, () => {
    const c = COLORS[rng.int(COLORS.length)]!
    return exchange(`Describe the color ${c}.`, `The color ${c} is bright and pretty.`)
  })
}

export function shuffledRows(rows: readonly DatasetRow[], seed: number): DatasetRow[] {
  const rng = new SeededRandom(seed, 'shuffled-rows')
  const shuffle = (s: string): string => {
    const a = [...s]
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      ;[a[i], a[j]] = [a[j]!, a[i]!]
    }
    return a.join('')
  }
  return rows.map((r) => ({ system: r.system, conversations: r.conversations.map((m) => ({ role: m.role, content: shuffle(m.content) })) }))
}

export const toJsonl = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n'
