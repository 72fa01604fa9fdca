/** The local chain's whole state: one JSON document, checked field by field when read. */
import { ChainStateError } from '../errors.js'

export interface LocalNeuron {
  hotkey: string
  validatorPermit: boolean
  /** Decimal string (bigint). */
  stake: string
  lastUpdate: number
  registeredAt: number
}

export interface LocalSubnet {
  tempo: number
  weightsSetRateLimit: number
  /** Decimal string (bigint). */
  weightsVersionKey: string
  commitRevealEnabled: boolean
  revealPeriodEpochs: number
  minAllowedWeights: number
  /** Index is the uid. */
  neurons: LocalNeuron[]
  commitments: Record<string, { block: number; fields: string[] }>
  usedSpace: Record<string, { lastEpoch: number; used: number }>
  weights: Record<string, Array<[number, number]>>
  /** Per hotkey: [commit hash, commit block], oldest first. */
  weightCommits: Record<string, Array<[string, number]>>
  /** CommitRevealWeightsVersion: 4 takes timelocked commits. Absent in older files: 4. */
  commitRevealVersion?: number
  /** Timelocked weight commits waiting for their round (local rounds are block numbers). */
  timelockedCommits?: LocalTimelockedCommit[]
}

export interface LocalTimelockedCommit {
  hotkey: string
  commitBlock: number
  commitEpoch: number
  /** 0x-hex ciphertext. */
  commit: string
  revealRound: number
}

export interface LocalState {
  version: 1
  genesisHash: string
  block: number
  /** When set, one block passes every blockTimeMs after anchorMs (wall clock). */
  blockTimeMs: number | null
  anchorMs: number
  maxSpace: number
  /** Secret of the chain's own timelock beacon (hex scalar); created with the first timelocked commit. */
  beaconSecret?: string
  subnets: Record<string, LocalSubnet>
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isDec = (v: unknown): v is string => typeof v === 'string' && /^\d+$/.test(v)
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Returns the document as LocalState or throws ChainStateError naming the first bad field. */
export function checkState(path: string, doc: unknown): LocalState {
  const bad = (where: string): never => {
    throw new ChainStateError(path, `${where} is missing or malformed`)
  }
  if (!isObj(doc) || doc.version !== 1) return bad('version (expected 1)')
  if (typeof doc.genesisHash !== 'string' || !/^0x[0-9a-f]{64}$/.test(doc.genesisHash)) bad('genesisHash')
  if (!isInt(doc.block)) bad('block')
  if (doc.blockTimeMs !== null && !(isInt(doc.blockTimeMs) && doc.blockTimeMs > 0)) bad('blockTimeMs')
  if (!isInt(doc.anchorMs)) bad('anchorMs')
  if (!isInt(doc.maxSpace)) bad('maxSpace')
  if (doc.beaconSecret !== undefined && (typeof doc.beaconSecret !== 'string' || !/^[0-9a-f]{64}$/.test(doc.beaconSecret))) bad('beaconSecret')
  if (!isObj(doc.subnets)) bad('subnets')
  for (const [netuid, s] of Object.entries(doc.subnets as Record<string, unknown>)) {
    const at = `subnets.${netuid}`
    if (!/^\d+$/.test(netuid) || Number(netuid) > 0xffff) bad(at)
    if (!isObj(s)) return bad(at)
    for (const k of ['tempo', 'weightsSetRateLimit', 'revealPeriodEpochs', 'minAllowedWeights'] as const) if (!isInt(s[k])) bad(`${at}.${k}`)
    if (!isDec(s.weightsVersionKey)) bad(`${at}.weightsVersionKey`)
    if (typeof s.commitRevealEnabled !== 'boolean') bad(`${at}.commitRevealEnabled`)
    if (!Array.isArray(s.neurons)) bad(`${at}.neurons`)
    ;(s.neurons as unknown[]).forEach((n, uid) => {
      if (!isObj(n) || typeof n.hotkey !== 'string' || typeof n.validatorPermit !== 'boolean' || !isDec(n.stake) || !isInt(n.lastUpdate) || !isInt(n.registeredAt)) {
        bad(`${at}.neurons[${uid}]`)
      }
    })
    for (const k of ['commitments', 'usedSpace', 'weights', 'weightCommits'] as const) if (!isObj(s[k])) bad(`${at}.${k}`)
    for (const [hotkey, c] of Object.entries(s.commitments as Record<string, unknown>)) {
      if (!isObj(c) || !isInt(c.block) || !Array.isArray(c.fields) || !c.fields.every((f) => typeof f === 'string' && /^(0x)?([0-9a-f]{2})*$/.test(f))) {
        bad(`${at}.commitments.${hotkey}`)
      }
    }
    for (const [hotkey, list] of Object.entries(s.weightCommits as Record<string, unknown>)) {
      if (!Array.isArray(list) || !list.every((e) => Array.isArray(e) && typeof e[0] === 'string' && isInt(e[1]))) bad(`${at}.weightCommits.${hotkey}`)
    }
    if (s.commitRevealVersion !== undefined && !isInt(s.commitRevealVersion)) bad(`${at}.commitRevealVersion`)
    if (s.timelockedCommits !== undefined) {
      if (!Array.isArray(s.timelockedCommits)) bad(`${at}.timelockedCommits`)
      ;(s.timelockedCommits as unknown[]).forEach((c, i) => {
        if (!isObj(c) || typeof c.hotkey !== 'string' || !isInt(c.commitBlock) || !isInt(c.commitEpoch) || !isInt(c.revealRound) ||
          typeof c.commit !== 'string' || !/^0x([0-9a-f]{2})*$/.test(c.commit)) bad(`${at}.timelockedCommits[${i}]`)
      })
    }
  }
  return doc as unknown as LocalState
}

export function newSubnet(params: Partial<Omit<LocalSubnet, 'neurons' | 'commitments' | 'usedSpace' | 'weights' | 'weightCommits'>> = {}): LocalSubnet {
  return {
    tempo: 360,
    weightsSetRateLimit: 100,
    weightsVersionKey: '0',
    commitRevealEnabled: false,
    revealPeriodEpochs: 1,
    minAllowedWeights: 1,
    commitRevealVersion: 4,
    ...params,
    neurons: [],
    commitments: {},
    usedSpace: {},
    weights: {},
    weightCommits: {},
  }
}
