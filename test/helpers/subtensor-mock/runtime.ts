// The few subtensor dispatchables the client uses, ported from the pallets' Rust
// (pallets/subtensor/src/subnets/weights.rs, pallets/commitments) onto encoded storage, and the
// parts of the block step they depend on: the epoch scheduler of the runtime generation, the
// reveal of timelocked weight commits and commitments once the drand pulse of their round is stored.
// Independent of lib/chain/local-chain: the shared behaviour suite compares the two. Decryption uses
// lib/chain's decryptTimelocked (proven against bittensor-drand by test/chain/timelock.test.ts).
import type { Bool, Bytes, Vec } from '@polkadot/types'
import type { Codec, INumber } from '@polkadot/types/types'
import { compactStripLength, hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto'

import { decryptTimelocked, decryptTimelockedWeights } from '../../../lib/chain/index.js'
import type { Codecs } from './codec.js'

export class ModuleError extends Error {
  constructor(readonly section: string, readonly errorName: string) {
    super(`${section}.${errorName}`)
  }
}

const SM = 'subtensorModule'
const n = (c: Codec | null): number => (c ? Number((c as unknown as INumber).toBigInt()) : 0)

/** Live storage: hex key → hex value. */
export class State {
  constructor(readonly codecs: Codecs, readonly map = new Map<string, string>()) {}
  get stateful(): boolean {
    return this.codecs.generation === 'stateful'
  }
  get<T extends Codec = Codec>(pallet: string, item: string, ...args: unknown[]): T | null {
    return this.codecs.decode<T>(pallet, item, this.map.get(this.codecs.key(pallet, item, ...args)))
  }
  set(pallet: string, item: string, args: unknown[], value: unknown): void {
    this.map.set(this.codecs.key(pallet, item, ...args), this.codecs.encode(pallet, item, value))
  }
  remove(pallet: string, item: string, ...args: unknown[]): void {
    this.map.delete(this.codecs.key(pallet, item, ...args))
  }
}

export interface SubnetParams {
  tempo: number
  rateLimit: number
  versionKey: bigint
  commitReveal: boolean
  revealPeriodEpochs: number
  minAllowedWeights: number
}

export function addSubnet(s: State, netuid: number, p: SubnetParams, block: number): void {
  s.set(SM, 'networksAdded', [netuid], true)
  if (s.stateful) s.set(SM, 'lastEpochBlock', [netuid], block)
  s.set(SM, 'tempo', [netuid], p.tempo)
  s.set(SM, 'weightsSetRateLimit', [netuid], p.rateLimit)
  s.set(SM, 'weightsVersionKey', [netuid], p.versionKey)
  s.set(SM, 'commitRevealWeightsEnabled', [netuid], p.commitReveal)
  s.set(SM, 'revealPeriodEpochs', [netuid], p.revealPeriodEpochs)
  s.set(SM, 'minAllowedWeights', [netuid], p.minAllowedWeights)
}

export function register(s: State, netuid: number, hotkey: string, block: number, opts: { validatorPermit: boolean; stake: bigint }): number {
  const uid = n(s.get(SM, 'subnetworkN', netuid))
  s.set(SM, 'subnetworkN', [netuid], uid + 1)
  s.set(SM, 'keys', [netuid, uid], hotkey)
  s.set(SM, 'uids', [netuid, hotkey], uid)
  s.set(SM, 'blockAtRegistration', [netuid, uid], block)
  s.set(SM, 'totalHotkeyAlpha', [hotkey, netuid], opts.stake)
  const permits = s.get<Vec<Bool>>(SM, 'validatorPermit', netuid)!.map((b) => b.isTrue)
  s.set(SM, 'validatorPermit', [netuid], [...permits, opts.validatorPermit])
  const last = s.get<Vec<INumber>>(SM, 'lastUpdate', netuid)!.map((x) => x.toBigInt())
  s.set(SM, 'lastUpdate', [netuid], [...last, 0n])
  return uid
}

const legacyEpoch = (s: State, netuid: number, block: number) => Math.floor((block + netuid + 1) / (n(s.get(SM, 'tempo', netuid)) + 1))

/** The epoch an extrinsic in `block` sees: legacy arithmetic, or SubnetEpochIndex as the block step left it. */
const epochIndex = (s: State, netuid: number, block: number) => (s.stateful ? n(s.get(SM, 'subnetEpochIndex', netuid)) : legacyEpoch(s, netuid, block))

const GLOBAL_MAX_SUBNET_COUNT = 4096
export const storageIndex = (netuid: number, mecid: number) => mecid * GLOBAL_MAX_SUBNET_COUNT + netuid

function checkMechanism(s: State, netuid: number, mecid: number): void {
  if (mecid >= n(s.get(SM, 'mechanismCountCurrent', netuid))) throw new ModuleError(SM, 'MechanismDoesNotExist')
}

function uidOf(s: State, netuid: number, who: string): number | null {
  const uid = s.get<INumber>(SM, 'uids', netuid, who)
  return uid ? n(uid) : null
}

function checkRateLimit(s: State, netuid: number, uid: number, block: number): boolean {
  const last = n(s.get<Vec<INumber>>(SM, 'lastUpdate', netuid)![uid] ?? null)
  return last === 0 || block - last >= n(s.get(SM, 'weightsSetRateLimit', netuid))
}

function setLastUpdate(s: State, netuid: number, uid: number, block: number): void {
  const last = s.get<Vec<INumber>>(SM, 'lastUpdate', netuid)!.map((x) => x.toBigInt())
  last[uid] = BigInt(block)
  s.set(SM, 'lastUpdate', [netuid], last)
}

export function setCommitment(s: State, who: string, block: number, netuid: number, info: { fields: Vec<Codec & { type: string; value: Codec }> }): void {
  if (info.fields.length > 3) throw new ModuleError('commitments', 'TooManyFieldsInCommitmentInfo')
  if (uidOf(s, netuid, who) === null) throw new ModuleError('commitments', 'AccountNotAllowedCommit')
  const length = (f: Codec & { type: string; value: Codec }) =>
    /^Raw\d+$/.test(f.type) ? f.value.toU8a().length : f.type === 'TimelockEncrypted' ? compactStripLength((f.value as Codec & { encrypted: Bytes }).encrypted.toU8a())[1].length : 0
  const required = Math.max(100, info.fields.reduce((sum, f) => sum + length(f), 0))
  const epoch = epochIndex(s, netuid, block)
  const usage = s.get<Codec & { lastEpoch: INumber; usedSpace: INumber }>('commitments', 'usedSpaceOf', netuid, who)
  let used = usage && n(usage.lastEpoch) === epoch ? n(usage.usedSpace) : 0
  if (used + required > n(s.get('commitments', 'maxSpace'))) throw new ModuleError('commitments', 'SpaceLimitExceeded')
  used += required
  s.set('commitments', 'usedSpaceOf', [netuid, who], { lastEpoch: epoch, usedSpace: used })
  s.set('commitments', 'commitmentOf', [netuid, who], { deposit: 0, block, info })
}

export function setWeights(s: State, who: string, block: number, netuid: number, uids: number[], values: number[], versionKey: bigint, viaReveal = false, mecid = 0): void {
  checkMechanism(s, netuid, mecid)
  const commitReveal = s.get<Bool>(SM, 'commitRevealWeightsEnabled', netuid)!.isTrue
  if (commitReveal && !viaReveal) throw new ModuleError(SM, 'CommitRevealEnabled')
  if (uids.length !== values.length) throw new ModuleError(SM, 'WeightVecNotEqualSize')
  if (!s.get<Bool>(SM, 'networksAdded', netuid)!.isTrue) throw new ModuleError(SM, 'SubnetNotExists')
  const size = n(s.get(SM, 'subnetworkN', netuid))
  if (uids.length > size) throw new ModuleError(SM, 'UidsLengthExceedUidsInSubNet')
  const uid = uidOf(s, netuid, who)
  if (uid === null) throw new ModuleError(SM, 'HotKeyNotRegisteredInSubNet')
  const networkKey = s.get<INumber>(SM, 'weightsVersionKey', netuid)!.toBigInt()
  if (networkKey !== 0n && versionKey < networkKey) throw new ModuleError(SM, 'IncorrectWeightVersionKey')
  if (!commitReveal && !checkRateLimit(s, netuid, uid, block)) throw new ModuleError(SM, 'SettingWeightsTooFast')
  const selfWeight = uids.length === 1 && uids[0] === uid
  const permit = s.get<Vec<Bool>>(SM, 'validatorPermit', netuid)![uid]?.isTrue ?? false
  if (!selfWeight && !permit) throw new ModuleError(SM, 'NeuronNoValidatorPermit')
  if (new Set(uids).size !== uids.length) throw new ModuleError(SM, 'DuplicateUids')
  if (uids.some((u) => u >= size)) throw new ModuleError(SM, 'UidVecContainInvalidOne')
  const minAllowed = Math.min(size, n(s.get(SM, 'minAllowedWeights', netuid)))
  if (!selfWeight && values.length < minAllowed) throw new ModuleError(SM, 'WeightVecLengthIsLow')
  s.set(SM, 'weights', [storageIndex(netuid, mecid), uid], uids.map((u, i) => [u, values[i]]))
  if (!commitReveal) setLastUpdate(s, netuid, uid, block)
}

type Commit = [string, bigint, bigint, bigint]

function commitsOf(s: State, index: number, who: string): Commit[] {
  const v = s.get<Vec<Codec>>(SM, 'weightCommits', index, who)
  if (!v) return []
  return v.map((t) => t.toPrimitive() as unknown as [string, number, number, number]).map(([h, a, b, c]) => [h, BigInt(a), BigInt(b), BigInt(c)])
}

function revealEpochs(s: State, netuid: number): number {
  return n(s.get(SM, 'revealPeriodEpochs', netuid))
}

/** The epoch a stored commit was made in: field 1 holds it on stateful runtimes, the commit block on legacy ones. */
const commitEpochOf = (s: State, netuid: number, c: Commit) => (s.stateful ? Number(c[1]) : legacyEpoch(s, netuid, Number(c[1])))

export function commitWeights(s: State, who: string, block: number, netuid: number, hash: string, mecid = 0): void {
  checkMechanism(s, netuid, mecid)
  if (!s.get<Bool>(SM, 'commitRevealWeightsEnabled', netuid)!.isTrue) throw new ModuleError(SM, 'CommitRevealDisabled')
  const uid = uidOf(s, netuid, who)
  if (uid === null) throw new ModuleError(SM, 'HotKeyNotRegisteredInSubNet')
  if (!checkRateLimit(s, netuid, uid, block)) throw new ModuleError(SM, 'CommittingWeightsTooFast')
  const index = storageIndex(netuid, mecid)
  const commits = commitsOf(s, index, who).filter((c) => !expired(s, netuid, c, block))
  if (commits.length >= 10) throw new ModuleError(SM, 'TooManyUnrevealedCommits')
  if (s.stateful) {
    // CR-v2 layout of stateful runtimes: (hash, commit_epoch, commit_block, unused)
    commits.push([hash, BigInt(epochIndex(s, netuid, block)), BigInt(block), 0n])
  } else {
    const tempo = n(s.get(SM, 'tempo', netuid))
    const revealEpoch = epochIndex(s, netuid, block) + revealEpochs(s, netuid)
    const first = Math.max(0, revealEpoch * (tempo + 1) - (netuid + 1))
    commits.push([hash, BigInt(block), BigInt(first), BigInt(first + tempo)])
  }
  s.set(SM, 'weightCommits', [index, who], commits)
  setLastUpdate(s, netuid, uid, block)
}

function expired(s: State, netuid: number, c: Commit, block: number): boolean {
  return epochIndex(s, netuid, block) > commitEpochOf(s, netuid, c) + revealEpochs(s, netuid)
}

export function revealWeights(s: State, who: string, block: number, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint, mecid = 0): void {
  checkMechanism(s, netuid, mecid)
  if (!s.get<Bool>(SM, 'commitRevealWeightsEnabled', netuid)!.isTrue) throw new ModuleError(SM, 'CommitRevealDisabled')
  const index = storageIndex(netuid, mecid)
  let commits = commitsOf(s, index, who)
  if (commits.length === 0) throw new ModuleError(SM, 'NoWeightsCommitFound')
  const expiredHashes = commits.filter((c) => expired(s, netuid, c, block)).map(([h]) => h)
  commits = commits.filter(([h]) => !expiredHashes.includes(h))
  // the hash covers the storage index: the netuid itself for the main mechanism
  const encoded = s.codecs.registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [who, index, uids, values, salt, versionKey])
  const hash = u8aToHex(blake2AsU8a(encoded.toU8a(), 256))
  const position = commits.findIndex(([h]) => h === hash)
  if (position < 0) {
    throw new ModuleError(SM, commits.length === 0 && !expiredHashes.includes(hash) ? 'NoWeightsCommitFound' : expiredHashes.includes(hash) ? 'ExpiredWeightCommit' : 'InvalidRevealCommitHashNotMatch')
  }
  const commitEpoch = commitEpochOf(s, netuid, commits[position]!)
  if (epochIndex(s, netuid, block) !== commitEpoch + revealEpochs(s, netuid)) throw new ModuleError(SM, 'RevealTooEarly')
  commits = commits.slice(position + 1)
  if (commits.length === 0) s.remove(SM, 'weightCommits', index, who)
  else s.set(SM, 'weightCommits', [index, who], commits)
  setWeights(s, who, block, netuid, uids, values, versionKey, true, mecid)
}

type TimelockedEntry = [string, bigint, string, bigint]

function timelockedOf(s: State, index: number, epoch: number): TimelockedEntry[] {
  const v = s.get<Vec<Codec>>(SM, 'timelockedWeightCommits', index, epoch)
  return (v ?? []).map((t) => {
    const [who, block, commit, round] = t as unknown as [Codec, INumber, Bytes, INumber]
    return [who.toString(), block.toBigInt(), u8aToHex(commit.toU8a(true)), round.toBigInt()]
  })
}

export function commitTimelockedWeights(s: State, who: string, block: number, netuid: number, commit: string, revealRound: bigint, version: number, mecid = 0): void {
  checkMechanism(s, netuid, mecid)
  if (!s.get<Bool>(SM, 'commitRevealWeightsEnabled', netuid)!.isTrue) throw new ModuleError(SM, 'CommitRevealDisabled')
  if (version !== n(s.get(SM, 'commitRevealWeightsVersion'))) throw new ModuleError(SM, 'IncorrectCommitRevealVersion')
  const uid = uidOf(s, netuid, who)
  if (uid === null) throw new ModuleError(SM, 'HotKeyNotRegisteredInSubNet')
  if (!checkRateLimit(s, netuid, uid, block)) throw new ModuleError(SM, 'CommittingWeightsTooFast')
  const index = storageIndex(netuid, mecid)
  const epoch = epochIndex(s, netuid, block)
  const queue = timelockedOf(s, index, epoch)
  if (queue.filter(([w]) => w === who).length >= 10) throw new ModuleError(SM, 'TooManyUnrevealedCommits')
  queue.push([who, BigInt(block), commit, revealRound])
  s.set(SM, 'timelockedWeightCommits', [index, epoch], queue.map(([w, b, c, r]) => [w, b, c, r]))
  setLastUpdate(s, netuid, uid, block)
}

/** drand pulses the node has stored: round → signature (hex). */
export type Pulses = Map<bigint, string>

/**
 * The block step for one subnet at `block`: first the epoch scheduler (stateful runtimes), then
 * the timelocked weight commits of the epoch `RevealPeriodEpochs` back whose round has a stored
 * pulse: decrypted, checked to be the committer's, applied. A commit that does not open or
 * decode is dropped without a word, as subtensor does (it only trace-logs them).
 */
export function blockStep(s: State, netuid: number, block: number, pulses: Pulses, mechanisms: number[]): void {
  if (s.stateful) {
    const tempo = n(s.get(SM, 'tempo', netuid))
    const since = n(s.get(SM, 'blocksSinceLastStep', netuid)) + 1
    const pending = n(s.get(SM, 'pendingEpochAt', netuid))
    const run = tempo > 0 && ((pending > 0 && block >= pending) || since > 50_400 || block - n(s.get(SM, 'lastEpochBlock', netuid)) >= tempo)
    if (run) {
      s.set(SM, 'lastEpochBlock', [netuid], block)
      s.set(SM, 'pendingEpochAt', [netuid], 0)
      s.set(SM, 'subnetEpochIndex', [netuid], n(s.get(SM, 'subnetEpochIndex', netuid)) + 1)
      s.set(SM, 'blocksSinceLastStep', [netuid], 0)
    } else {
      s.set(SM, 'blocksSinceLastStep', [netuid], since)
    }
  }
  const current = epochIndex(s, netuid, block)
  const revealEpoch = current - revealEpochs(s, netuid)
  if (revealEpoch < 0) return
  for (const mecid of mechanisms) {
    const index = storageIndex(netuid, mecid)
    for (let epoch = 0; epoch <= revealEpoch; epoch++) {
      const queue = timelockedOf(s, index, epoch)
      if (queue.length === 0) continue
      const waiting = queue.filter(([, , , round]) => !pulses.has(round))
      for (const [who, , commit, round] of queue.filter((e) => pulses.has(e[3]))) {
        try {
          const payload = decryptTimelockedWeights(hexToU8a(commit), pulses.get(round)!)
          if (payload.hotkey !== u8aToHex(decodeAddress(who))) continue
          setWeights(s, who, block, netuid, payload.uids, payload.values, payload.versionKey, true, mecid)
        } catch {
          // undecryptable, undecodable or refused: dropped
        }
      }
      if (waiting.length) s.set(SM, 'timelockedWeightCommits', [index, epoch], waiting)
      else s.remove(SM, 'timelockedWeightCommits', index, epoch)
    }
  }
}

/** Timelocked commitments whose round has a stored pulse: the plaintext joins RevealedCommitments, CommitmentOf goes. */
export function revealCommitments(s: State, netuid: number, block: number, pulses: Pulses, hotkeys: string[]): void {
  for (const who of hotkeys) {
    const reg = s.get<Codec & { info: { fields: Vec<Codec & { type: string; value: Codec & { encrypted: Bytes; revealRound: INumber } }> } }>('commitments', 'commitmentOf', netuid, who)
    const field = reg?.info.fields.find((f) => f.type === 'TimelockEncrypted')
    if (!field) continue
    const signature = pulses.get(field.value.revealRound.toBigInt())
    if (!signature) continue
    try {
      const plaintext = decryptTimelocked(field.value.encrypted.toU8a(true), signature)
      const revealed = (s.get<Vec<Codec>>('commitments', 'revealedCommitments', netuid, who) ?? []).map((t) => {
        const [bytes, at] = t as unknown as [Bytes, INumber]
        return [u8aToHex(bytes.toU8a(true)), at.toBigInt()] as [string, bigint]
      })
      s.set('commitments', 'revealedCommitments', [netuid, who], [...revealed, [u8aToHex(plaintext), BigInt(block)]].slice(-10))
    } catch {
      // does not open: dropped
    }
    s.remove('commitments', 'commitmentOf', netuid, who)
  }
}
