/**
 * The local chain's dispatchables, with subtensor's rules and error names
 * (pallets/subtensor weights.rs, pallets/commitments): who may commit, space per
 * epoch, weights rate limit, version key, permits, commit-reveal windows.
 */
import { u8aToHex } from '@polkadot/util'
import { decodeAddress } from '@polkadot/util-crypto'

import { epochIndex, revealTiming as timing, type EpochState } from '../epoch.js'
import { MAX_FIELDS, MIN_SPACE_CHARGE } from '../commitment-fields.js'
import { TimelockError } from '../errors.js'
import { LocalBeacon } from '../timelock.js'
import { weightsCommitHash } from '../weights-hash.js'
import { decryptTimelockedWeights } from '../weights-tlock.js'
import type { LocalState, LocalSubnet } from './state.js'

/** The local chain runs the legacy epoch scheduler. */
export const epochState = (netuid: number, subnet: LocalSubnet, block: number): EpochState => ({ scheduler: 'legacy', netuid, tempo: subnet.tempo, block })

/** Whether a commit of `commitBlock` may be revealed by an extrinsic in `block` (the state one block before it). */
const revealTiming = (netuid: number, subnet: LocalSubnet, commitBlock: number, block: number) =>
  timing(epochState(netuid, subnet, block - 1), epochIndex(netuid, subnet.tempo, commitBlock), subnet.revealPeriodEpochs)

export class LocalDispatchError extends Error {
  constructor(readonly pallet: 'SubtensorModule' | 'Commitments', readonly errorName: string) {
    super(`${pallet}.${errorName}`)
  }
}

/** Short texts for the errors the local chain raises (subtensor's own docs, abridged). */
export const ERROR_DOCS: Record<string, string> = {
  SubnetNotExists: 'The subnet does not exist.',
  AccountNotAllowedCommit: 'Account is not allowed to make commitments to the chain.',
  TooManyFieldsInCommitmentInfo: 'Too many fields in the commitment info.',
  SpaceLimitExceeded: 'Space Limit Exceeded for the current interval.',
  CommitRevealEnabled: 'Attempting to call set_weights when commit/reveal is enabled.',
  CommitRevealDisabled: 'Attempting to commit/reveal weights when disabled.',
  WeightVecNotEqualSize: 'The dispatch is attempting to set weights on chain with uids and values of different lengths.',
  UidsLengthExceedUidsInSubNet: 'Attempting to set weights for more uids than the subnet has.',
  HotKeyNotRegisteredInSubNet: 'The hotkey is not registered in the subnet.',
  IncorrectWeightVersionKey: 'A validator is attempting to set weights from a validator with incorrect weight version.',
  SettingWeightsTooFast: 'A transactor exceeded the rate limit for setting weights.',
  NeuronNoValidatorPermit: 'The caller is attempting to set non-self weights without being a permitted validator.',
  DuplicateUids: 'The caller is attempting to set weights with duplicate UIDs in the weight matrix.',
  UidVecContainInvalidOne: 'The caller is attempting to set weight to at least one UID that does not exist in the metagraph.',
  WeightVecLengthIsLow: 'The dispatch is attempting to set weights on chain with fewer elements than are allowed.',
  CommittingWeightsTooFast: 'A transactor exceeded the rate limit for committing weights.',
  TooManyUnrevealedCommits: 'Too many unrevealed commits.',
  NoWeightsCommitFound: 'No commit found for the provided hotkey+netuid combination when attempting to reveal the weights.',
  ExpiredWeightCommit: 'Attempted to reveal weights that are expired.',
  RevealTooEarly: 'Attempted to reveal weights too early.',
  InvalidRevealCommitHashNotMatch: 'Committed hash does not equal the hashed reveal data.',
  IncorrectCommitRevealVersion: 'Attempting to commit weights with an incorrect commit-reveal version.',
  InvalidRevealRound: 'The reveal round is in the past.',
}

const fail = (pallet: 'SubtensorModule' | 'Commitments', name: string): never => {
  throw new LocalDispatchError(pallet, name)
}

const publicKeyHex = (address: string): string => u8aToHex(decodeAddress(address))

export function subnetOf(state: LocalState, netuid: number): LocalSubnet {
  return state.subnets[String(netuid)] ?? fail('SubtensorModule', 'SubnetNotExists')
}

const uidOf = (subnet: LocalSubnet, hotkey: string): number => subnet.neurons.findIndex((n) => n.hotkey === hotkey)

function rateLimitPassed(subnet: LocalSubnet, uid: number, block: number): boolean {
  const last = subnet.neurons[uid]!.lastUpdate
  return last === 0 || block - last >= subnet.weightsSetRateLimit
}

export function setCommitment(state: LocalState, who: string, block: number, netuid: number, fields: Uint8Array[]): void {
  if (fields.length > MAX_FIELDS) fail('Commitments', 'TooManyFieldsInCommitmentInfo')
  const subnet = state.subnets[String(netuid)]
  if (!subnet || uidOf(subnet, who) < 0) return fail('Commitments', 'AccountNotAllowedCommit')
  const required = Math.max(MIN_SPACE_CHARGE, fields.reduce((sum, f) => sum + f.length, 0))
  const epoch = epochIndex(netuid, subnet.tempo, block)
  const usage = subnet.usedSpace[who]
  const used = usage && usage.lastEpoch === epoch ? usage.used : 0
  if (used + required > state.maxSpace) fail('Commitments', 'SpaceLimitExceeded')
  subnet.usedSpace[who] = { lastEpoch: epoch, used: used + required }
  subnet.commitments[who] = { block, fields: fields.map((f) => Buffer.from(f).toString('hex')) }
}

export function setWeights(state: LocalState, who: string, block: number, netuid: number, uids: number[], values: number[], versionKey: bigint, viaReveal = false): void {
  const subnet = subnetOf(state, netuid)
  if (subnet.commitRevealEnabled && !viaReveal) fail('SubtensorModule', 'CommitRevealEnabled')
  if (uids.length !== values.length) fail('SubtensorModule', 'WeightVecNotEqualSize')
  const size = subnet.neurons.length
  if (uids.length > size) fail('SubtensorModule', 'UidsLengthExceedUidsInSubNet')
  const uid = uidOf(subnet, who)
  if (uid < 0) fail('SubtensorModule', 'HotKeyNotRegisteredInSubNet')
  const networkKey = BigInt(subnet.weightsVersionKey)
  if (networkKey !== 0n && versionKey < networkKey) fail('SubtensorModule', 'IncorrectWeightVersionKey')
  if (!subnet.commitRevealEnabled && !rateLimitPassed(subnet, uid, block)) fail('SubtensorModule', 'SettingWeightsTooFast')
  const selfWeight = uids.length === 1 && uids[0] === uid
  if (!selfWeight && !subnet.neurons[uid]!.validatorPermit) fail('SubtensorModule', 'NeuronNoValidatorPermit')
  if (new Set(uids).size !== uids.length) fail('SubtensorModule', 'DuplicateUids')
  if (uids.some((u) => u >= size)) fail('SubtensorModule', 'UidVecContainInvalidOne')
  if (!selfWeight && values.length < Math.min(size, subnet.minAllowedWeights)) fail('SubtensorModule', 'WeightVecLengthIsLow')
  subnet.weights[String(uid)] = uids.map((u, i) => [u, values[i]!])
  if (!subnet.commitRevealEnabled) subnet.neurons[uid]!.lastUpdate = block
}

export function commitWeights(state: LocalState, who: string, block: number, netuid: number, hash: string): void {
  const subnet = subnetOf(state, netuid)
  if (!subnet.commitRevealEnabled) fail('SubtensorModule', 'CommitRevealDisabled')
  const uid = uidOf(subnet, who)
  if (uid < 0) fail('SubtensorModule', 'HotKeyNotRegisteredInSubNet')
  if (!rateLimitPassed(subnet, uid, block)) fail('SubtensorModule', 'CommittingWeightsTooFast')
  const live = (subnet.weightCommits[who] ?? []).filter(([, at]) => revealTiming(netuid, subnet, at, block) !== 'expired')
  if (live.length >= 10) fail('SubtensorModule', 'TooManyUnrevealedCommits')
  subnet.weightCommits[who] = [...live, [hash, block]]
  subnet.neurons[uid]!.lastUpdate = block
}

export function revealWeights(state: LocalState, who: string, block: number, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint): void {
  const subnet = subnetOf(state, netuid)
  if (!subnet.commitRevealEnabled) fail('SubtensorModule', 'CommitRevealDisabled')
  const all = subnet.weightCommits[who] ?? []
  if (all.length === 0) fail('SubtensorModule', 'NoWeightsCommitFound')
  const timingOf = (at: number) => revealTiming(netuid, subnet, at, block)
  const expired = all.filter(([, at]) => timingOf(at) === 'expired').map(([h]) => h)
  const live = all.filter(([h]) => !expired.includes(h))
  const hash = weightsCommitHash({ hotkey: who, netuid, uids, values, salt, versionKey })
  const position = live.findIndex(([h]) => h === hash)
  if (position < 0) {
    fail('SubtensorModule', expired.includes(hash) ? 'ExpiredWeightCommit' : live.length === 0 ? 'NoWeightsCommitFound' : 'InvalidRevealCommitHashNotMatch')
  }
  if (timingOf(live[position]![1]) !== 'open') fail('SubtensorModule', 'RevealTooEarly')
  const rest = live.slice(position + 1)
  if (rest.length) subnet.weightCommits[who] = rest
  else delete subnet.weightCommits[who]
  setWeights(state, who, block, netuid, uids, values, versionKey, true)
}

/** The chain's own beacon, created with the first timelocked commit. */
export function beaconOf(state: LocalState): LocalBeacon {
  state.beaconSecret ??= LocalBeacon.newSecret()
  return new LocalBeacon(state.beaconSecret)
}

export function commitTimelockedWeights(state: LocalState, who: string, block: number, netuid: number, commit: string, revealRound: number, version: number): void {
  const subnet = subnetOf(state, netuid)
  if (!subnet.commitRevealEnabled) fail('SubtensorModule', 'CommitRevealDisabled')
  if (version !== (subnet.commitRevealVersion ?? 4)) fail('SubtensorModule', 'IncorrectCommitRevealVersion')
  const uid = uidOf(subnet, who)
  if (uid < 0) fail('SubtensorModule', 'HotKeyNotRegisteredInSubNet')
  if (!rateLimitPassed(subnet, uid, block)) fail('SubtensorModule', 'CommittingWeightsTooFast')
  // local rounds are block numbers: a round already past could never be revealed in its epoch
  if (revealRound < block) fail('SubtensorModule', 'InvalidRevealRound')
  const commitEpoch = epochIndex(netuid, subnet.tempo, block)
  const pending = subnet.timelockedCommits ?? []
  if (pending.filter((c) => c.hotkey === who && c.commitEpoch === commitEpoch).length >= 10) fail('SubtensorModule', 'TooManyUnrevealedCommits')
  subnet.timelockedCommits = [...pending, { hotkey: who, commitBlock: block, commitEpoch, commit, revealRound }]
  subnet.neurons[uid]!.lastUpdate = block
}

/**
 * What the chain's block step does with timelocked commits at `block`: those whose reveal epoch
 * has come and whose round the beacon has signed are decrypted and applied as the committer's
 * weights. One that does not open, decode or belong to its sender is dropped, as on subtensor.
 */
export function revealTimelocked(state: LocalState, block: number): void {
  for (const [key, subnet] of Object.entries(state.subnets)) {
    const netuid = Number(key)
    const pending = subnet.timelockedCommits ?? []
    if (pending.length === 0) continue
    const epoch = epochIndex(netuid, subnet.tempo, block)
    const due = pending.filter((c) => epoch >= c.commitEpoch + subnet.revealPeriodEpochs && c.revealRound <= block)
    if (due.length === 0) continue
    const beacon = beaconOf(state)
    for (const c of due) {
      try {
        const payload = decryptTimelockedWeights(Buffer.from(c.commit.slice(2), 'hex'), beacon.signatureHex(BigInt(c.revealRound)))
        const uid = uidOf(subnet, c.hotkey)
        if (uid < 0 || payload.hotkey !== publicKeyHex(c.hotkey)) continue
        const trial = structuredClone(state)
        setWeights(trial, c.hotkey, block, netuid, payload.uids, payload.values, payload.versionKey, true)
        subnet.weights = trial.subnets[key]!.weights
      } catch (err) {
        if (!(err instanceof LocalDispatchError || err instanceof TimelockError)) throw err
      }
    }
    subnet.timelockedCommits = pending.filter((c) => !due.includes(c))
  }
}
