/** What scoring takes in (one record per miner commitment) and what it says of each miner. */

/**
 * Every reason a miner can be ineligible. The validator records most of them as it goes
 * (a miner it did not evaluate, or whose evaluation failed); scoring applies the
 * stale, copied and duplicate rules again to whatever it is given.
 */
export type IneligibleCode =
  | 'invalid-commitment' // the commitment string does not parse
  | 'stale-commitment' // made at or before the hotkey's registration: the uid's previous owner
  | 'copied-commitment' // its proof does not bind the dataset to the committing hotkey
  | 'duplicate' // an earlier commitment has the same content
  | 'download-failed'
  | 'invalid-dataset'
  | 'training-failed'
  | 'timeout'
  | 'invalid-revision' // flock-off-s1: the committed revision is not (a ≥7-character prefix of) the sha it resolves to
  | 'not-in-eval-set' // flock-off-s1: a row of the selection is not a row of the eval set, or repeats one

export const INELIGIBLE_CODES: readonly IneligibleCode[] = [
  'invalid-commitment', 'stale-commitment', 'copied-commitment', 'duplicate', 'download-failed', 'invalid-dataset', 'training-failed', 'timeout',
  'invalid-revision', 'not-in-eval-set',
]

export interface Submission {
  uid: number
  hotkey: string
  /** Block of the miner's on-chain commitment. */
  commitBlock: number
  /** Block at which this hotkey registered on the subnet. */
  registeredAt: number
  /** Canonical content hash of the dataset; null when it is not known. */
  contentHash: string | null
  /** Whether the commitment's proof binds the content to this hotkey; null when not checked. */
  proofValid: boolean | null
  /** Eval loss after LoRA training (lower is better); null when there is none. */
  loss: number | null
  /** What the validator recorded when it could not score the miner. */
  failure: { code: IneligibleCode; reason: string } | null
}

interface VerdictBase {
  uid: number
  hotkey: string
  commitBlock: number
}

export type Verdict =
  | (VerdictBase & { eligible: true; loss: number })
  | (VerdictBase & { eligible: false; code: IneligibleCode; reason: string; loss: number | null })

export type EligibleVerdict = Extract<Verdict, { eligible: true }>

/** Weights by uid. Always built and iterated in ascending uid order. */
export type UidWeights = Map<number, number>
