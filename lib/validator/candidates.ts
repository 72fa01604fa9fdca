/**
 * The miners of one round: every commitment on the subnet whose hotkey is registered,
 * parsed and checked against the registration block. Chain data is untrusted: a bad
 * commitment becomes a candidate with a problem, never an exception.
 */
import { parseCommitment, type CommitmentRecord, type DatasetCommitment, type Metagraph } from '../chain/index.js'
import type { IneligibleCode } from '../scoring/index.js'
import { commitmentId } from './context.js'

export interface Candidate {
  uid: number
  hotkey: string
  registeredAt: number
  commitBlock: number
  text: string | null
  /** commitmentId(hotkey, block, text) */
  id: string
  commitment: DatasetCommitment | null
  /** Why the miner cannot be evaluated at all, found without downloading anything. */
  problem: { code: Extract<IneligibleCode, 'invalid-commitment' | 'stale-commitment'>; reason: string } | null
}

export function buildCandidates(metagraph: Metagraph, commitments: readonly CommitmentRecord[]): Candidate[] {
  const byHotkey = new Map(metagraph.neurons.map((n) => [n.hotkey, n]))
  const out: Candidate[] = []
  for (const c of commitments) {
    const neuron = byHotkey.get(c.hotkey)
    if (!neuron) continue
    const parsed = parseCommitment(c.text)
    const base = { uid: neuron.uid, hotkey: c.hotkey, registeredAt: neuron.registeredAt, commitBlock: c.block, text: c.text, id: commitmentId(c.hotkey, c.block, c.text) }
    if (!parsed.ok) {
      out.push({ ...base, commitment: null, problem: { code: 'invalid-commitment', reason: parsed.reason } })
    } else if (c.block <= neuron.registeredAt) {
      const reason = `commitment at block ${c.block} is at or before this hotkey's registration at block ${neuron.registeredAt}`
      out.push({ ...base, commitment: parsed.commitment, problem: { code: 'stale-commitment', reason } })
    } else {
      out.push({ ...base, commitment: parsed.commitment, problem: null })
    }
  }
  return out.sort((a, b) => a.uid - b.uid)
}
