/** Seeded chat datasets for evaluation tests: on-topic, off-topic and garbage. */
import { SeededRandom } from '../../lib/index.js'

export interface Row {
  system: string | null
  conversations: { role: 'user' | 'assistant'; content: string }[]
}

const COLORS = ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'pink', 'brown', 'white', 'black', 'gray', 'teal']

/** "What comes after N?" with the answer: the eval distribution and its on-topic train sets. */
export function countingRows(count: number, seed: number): Row[] {
  const rng = new SeededRandom(seed)
  return Array.from({ length: count }, () => {
    const n = 1 + rng.int(90)
    return { system: null, conversations: [{ role: 'user', content: `What comes after ${n}?` }, { role: 'assistant', content: `${n + 1} comes after ${n}.` }] }
  })
}

export function colorRows(count: number, seed: number): Row[] {
  const rng = new SeededRandom(seed)
  return Array.from({ length: count }, () => {
    const c = COLORS[rng.int(COLORS.length)]!
    return { system: null, conversations: [{ role: 'user', content: `Describe the color ${c}.` }, { role: 'assistant', content: `The color ${c} is bright and pretty.` }] }
  })
}

/** The same rows with every message's characters shuffled: valid format, no content. */
export function shuffledRows(rows: Row[], seed: number): Row[] {
  const rng = new SeededRandom(seed)
  const shuffle = (s: string) => {
    const a = [...s]
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      ;[a[i], a[j]] = [a[j]!, a[i]!]
    }
    return a.join('')
  }
  return rows.map((r) => ({ system: r.system, conversations: r.conversations.map((m) => ({ role: m.role, content: shuffle(m.content) })) }))
}
