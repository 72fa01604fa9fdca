// The few subtensor dispatchables the client uses, ported from the pallets' Rust
// (pallets/subtensor/src/subnets/weights.rs, pallets/commitments) onto encoded storage.
// Independent of lib/chain/local: the shared behaviour suite compares the two.
import type { Bool, Vec } from '@polkadot/types'
import type { Codec, INumber } from '@polkadot/types/types'
import { u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'

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

export function addSubnet(s: State, netuid: number, p: SubnetParams): void {
  s.set(SM, 'networksAdded', [netuid], true)
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

const epochIndex = (s: State, netuid: number, block: number) =>
  Math.floor((block + netuid + 1) / (n(s.get(SM, 'tempo', netuid)) + 1))

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
  const required = Math.max(100, info.fields.reduce((sum, f) => sum + (/^Raw\d+$/.test(f.type) ? f.value.toU8a().length : 0), 0))
  const epoch = epochIndex(s, netuid, block)
  const usage = s.get<Codec & { lastEpoch: INumber; usedSpace: INumber }>('commitments', 'usedSpaceOf', netuid, who)
  let used = usage && n(usage.lastEpoch) === epoch ? n(usage.usedSpace) : 0
  if (used + required > n(s.get('commitments', 'maxSpace'))) throw new ModuleError('commitments', 'SpaceLimitExceeded')
  used += required
  s.set('commitments', 'usedSpaceOf', [netuid, who], { lastEpoch: epoch, usedSpace: used })
  s.set('commitments', 'commitmentOf', [netuid, who], { deposit: 0, block, info })
}

export function setWeights(s: State, who: string, block: number, netuid: number, uids: number[], values: number[], versionKey: bigint, viaReveal = false): void {
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
  if (!commitReveal) setLastUpdate(s, netuid, uid, block)
}

type Commit = [string, bigint, bigint, bigint]

function commitsOf(s: State, netuid: number, who: string): Commit[] {
  const v = s.get<Vec<Codec>>(SM, 'weightCommits', netuid, who)
  if (!v) return []
  return v.map((t) => t.toPrimitive() as unknown as [string, number, number, number]).map(([h, a, b, c]) => [h, BigInt(a), BigInt(b), BigInt(c)])
}

function revealEpochs(s: State, netuid: number): number {
  return n(s.get(SM, 'revealPeriodEpochs', netuid))
}

export function commitWeights(s: State, who: string, block: number, netuid: number, hash: string): void {
  if (!s.get<Bool>(SM, 'commitRevealWeightsEnabled', netuid)!.isTrue) throw new ModuleError(SM, 'CommitRevealDisabled')
  const uid = uidOf(s, netuid, who)
  if (uid === null) throw new ModuleError(SM, 'HotKeyNotRegisteredInSubNet')
  if (!checkRateLimit(s, netuid, uid, block)) throw new ModuleError(SM, 'CommittingWeightsTooFast')
  const tempo = n(s.get(SM, 'tempo', netuid))
  const revealEpoch = epochIndex(s, netuid, block) + revealEpochs(s, netuid)
  const first = Math.max(0, revealEpoch * (tempo + 1) - (netuid + 1))
  const commits = commitsOf(s, netuid, who).filter(([, b]) => !expired(s, netuid, Number(b), block))
  if (commits.length >= 10) throw new ModuleError(SM, 'TooManyUnrevealedCommits')
  commits.push([hash, BigInt(block), BigInt(first), BigInt(first + tempo)])
  s.set(SM, 'weightCommits', [netuid, who], commits)
  setLastUpdate(s, netuid, uid, block)
}

function expired(s: State, netuid: number, commitBlock: number, block: number): boolean {
  return epochIndex(s, netuid, block) > epochIndex(s, netuid, commitBlock) + revealEpochs(s, netuid)
}

export function revealWeights(s: State, who: string, block: number, netuid: number, uids: number[], values: number[], salt: number[], versionKey: bigint): void {
  if (!s.get<Bool>(SM, 'commitRevealWeightsEnabled', netuid)!.isTrue) throw new ModuleError(SM, 'CommitRevealDisabled')
  let commits = commitsOf(s, netuid, who)
  if (commits.length === 0) throw new ModuleError(SM, 'NoWeightsCommitFound')
  const expiredHashes = commits.filter(([, b]) => expired(s, netuid, Number(b), block)).map(([h]) => h)
  commits = commits.filter(([h]) => !expiredHashes.includes(h))
  const encoded = s.codecs.registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [who, netuid, uids, values, salt, versionKey])
  const hash = u8aToHex(blake2AsU8a(encoded.toU8a(), 256))
  const position = commits.findIndex(([h]) => h === hash)
  if (position < 0) {
    throw new ModuleError(SM, commits.length === 0 && !expiredHashes.includes(hash) ? 'NoWeightsCommitFound' : expiredHashes.includes(hash) ? 'ExpiredWeightCommit' : 'InvalidRevealCommitHashNotMatch')
  }
  const commitEpoch = epochIndex(s, netuid, Number(commits[position]![1]))
  if (epochIndex(s, netuid, block) !== commitEpoch + revealEpochs(s, netuid)) throw new ModuleError(SM, 'RevealTooEarly')
  commits = commits.slice(position + 1)
  if (commits.length === 0) s.remove(SM, 'weightCommits', netuid, who)
  else s.set(SM, 'weightCommits', [netuid, who], commits)
  setWeights(s, who, block, netuid, uids, values, versionKey, true)
}
