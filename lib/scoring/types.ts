/** What scoring takes in (one record per miner commitment) and what it says of each miner. */

/** Failures the validator records for a commitment; each makes the miner ineligible. */
export type FailureCode =
  | 'invalid-commitment' // the commitment string does not parse
  | 'download-failed'
  | 'invalid-dataset'
  | 'training-failed'
  | 'timeout'
  | 'duplicate' // not evaluated: an earlier commitment has the same content

/** Every reason a miner can be ineligible: a recorded failure or a rule applied here. */
export type IneligibleCode = FailureCode | 'stale-commitment' | 'copied-commitment'

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
  failure: { code: FailureCode; reason: string } | null
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
