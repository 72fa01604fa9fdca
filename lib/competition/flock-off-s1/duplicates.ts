/**
 * The duplicate rule: two submissions whose selections share more than
 * DUPLICATE_SHARED_ROWS identical rows are duplicates, and the later commitment loses
 * (the same block: the higher uid). Every submission whose rows could be read takes part,
 * eligible or not, as on the live subnet, where any loadable dataset is compared.
 *
 * The live validator compares random samples of miners each step in a greedy pass whose
 * outcome depends on the order drawn, and keeps every loss it found; over the day's
 * validation window that converges to this rule applied to every pair, which is what is
 * applied here at once, so every validator reaches the same verdicts.
 */
import { DUPLICATE_SHARED_ROWS } from './constants.js'
import { sharedRows, type RowKey } from './selection.js'

export interface SelectionEntry {
  uid: number
  hotkey: string
  commitBlock: number
  keys: readonly RowKey[]
}

export interface DuplicateVerdict {
  /** The earliest earlier submission it shares too many rows with. */
  of: { uid: number; hotkey: string; commitBlock: number }
  shared: number
}

const earlier = (a: SelectionEntry, b: SelectionEntry): boolean => a.commitBlock < b.commitBlock || (a.commitBlock === b.commitBlock && a.uid < b.uid)

export function findDuplicates(entries: readonly SelectionEntry[]): Map<number, DuplicateVerdict> {
  const ordered = [...entries].sort((a, b) => a.commitBlock - b.commitBlock || a.uid - b.uid)
  const out = new Map<number, DuplicateVerdict>()
  for (const [i, x] of ordered.entries()) {
    for (const y of ordered.slice(0, i)) {
      if (!earlier(y, x)) continue
      const shared = sharedRows(y.keys, x.keys)
      if (shared > DUPLICATE_SHARED_ROWS) {
        out.set(x.uid, { of: { uid: y.uid, hotkey: y.hotkey, commitBlock: y.commitBlock }, shared })
        break
      }
    }
  }
  return out
}
