/**
 * When a commitment's result is done with. A final result is, except a duplicate that was
 * not evaluated: that one holds only while the commitment it copies is still on chain
 * with a scored result for the same content; otherwise the copy is evaluated after all.
 */
import type { Candidate } from './candidates.js'
import type { MinerResult } from './store/index.js'

export function finishedPredicate(candidates: readonly Candidate[], current: (c: Candidate) => MinerResult | undefined): (r: MinerResult) => boolean {
  const byHotkey = new Map(candidates.map((c) => [c.hotkey, c]))
  return (r) => {
    if (!r.final) return false
    if (r.status !== 'duplicate' || !r.duplicateOf) return true
    const original = byHotkey.get(r.duplicateOf.hotkey)
    if (!original || original.commitBlock !== r.duplicateOf.commitBlock || original.problem) return false
    const o = current(original)
    return o !== undefined && o.status === 'scored' && o.contentHash === r.contentHash
  }
}
