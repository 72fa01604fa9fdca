/**
 * Who may be scored at all. Applied before any comparison, in this order:
 *   1. a commitment at or before the hotkey's registration block belongs to the uid's
 *      previous owner (stale-commitment);
 *   2. a failure the validator recorded (download, dataset, training, ...);
 *   3. a proof that does not bind the content to the committing hotkey (copied-commitment);
 *   4. among the rest, the same content hash keeps only the earliest commitment
 *      (block, then uid) — the others are duplicates;
 *   5. an eligible miner needs a finite loss.
 */
import type { Submission, Verdict } from './types.js'

const short = (hotkey: string): string => `${hotkey.slice(0, 8)}…`

export function checkEligibility(submissions: readonly Submission[]): Verdict[] {
  const sorted = [...submissions].sort((a, b) => a.uid - b.uid)
  const verdicts = new Map<number, Verdict>()
  const candidates: Submission[] = []
  for (const s of sorted) {
    const base = { uid: s.uid, hotkey: s.hotkey, commitBlock: s.commitBlock, loss: s.loss }
    if (s.commitBlock <= s.registeredAt) {
      verdicts.set(s.uid, {
        ...base, eligible: false, code: 'stale-commitment',
        reason: `commitment at block ${s.commitBlock} is at or before this hotkey's registration at block ${s.registeredAt}`,
      })
    } else if (s.failure) {
      verdicts.set(s.uid, { ...base, eligible: false, code: s.failure.code, reason: s.failure.reason })
    } else if (s.proofValid === false) {
      verdicts.set(s.uid, { ...base, eligible: false, code: 'copied-commitment', reason: `the commitment's proof does not bind its dataset to hotkey ${s.hotkey}` })
    } else {
      candidates.push(s)
    }
  }
  const firstByHash = new Map<string, Submission>()
  for (const s of [...candidates].sort((a, b) => a.commitBlock - b.commitBlock || a.uid - b.uid)) {
    const base = { uid: s.uid, hotkey: s.hotkey, commitBlock: s.commitBlock, loss: s.loss }
    const first = s.contentHash === null ? undefined : firstByHash.get(s.contentHash)
    if (first) {
      verdicts.set(s.uid, {
        ...base, eligible: false, code: 'duplicate',
        reason: `same dataset content as uid ${first.uid} (${short(first.hotkey)}) committed earlier, at block ${first.commitBlock}`,
      })
      continue
    }
    if (s.contentHash !== null) firstByHash.set(s.contentHash, s)
    if (s.loss === null || !Number.isFinite(s.loss)) {
      verdicts.set(s.uid, { ...base, eligible: false, code: 'training-failed', reason: `no finite eval loss (${String(s.loss)})` })
    } else {
      verdicts.set(s.uid, { uid: s.uid, hotkey: s.hotkey, commitBlock: s.commitBlock, eligible: true, loss: s.loss })
    }
  }
  return sorted.map((s) => verdicts.get(s.uid)!)
}
