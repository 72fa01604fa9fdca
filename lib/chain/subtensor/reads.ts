/** Decoding subtensor storage, read at one block through `api.at(hash)`. */
import type { ApiDecoration, QueryableStorageEntry } from '@polkadot/api/types'
import type { Bool, Bytes, Option, U8aFixed, Vec } from '@polkadot/types'
import type { AccountId32, H256 } from '@polkadot/types/interfaces'
import type { Codec, INumber } from '@polkadot/types/types'
import { encodeAddress } from '@polkadot/util-crypto'

import { fieldsToText, revealedText } from '../commitment-fields.js'
import { ChainRequestError, ChainRpcError } from '../errors.js'
import { currentEpoch, epochIndex, type EpochState } from '../epoch.js'
import type { OnChainCommit } from '../reveal.js'
import type { CommitmentRecord, CommitmentSpace, Neuron, WeightsPolicy } from '../types.js'
import { mechanismStorageIndex } from '../weights.js'
import type { RuntimeFeatures } from './runtime.js'

type At = ApiDecoration<'promise'>

function entry(at: At, pallet: string, item: string): QueryableStorageEntry<'promise'> {
  const found = at.query[pallet]?.[item]
  if (!found) throw new ChainRpcError(`the runtime has no storage ${pallet}.${item}`)
  return found
}

const num = (c: Codec): number => Number((c as unknown as INumber).toBigInt())
const big = (c: Codec): bigint => (c as unknown as INumber).toBigInt()
const ss58 = (c: Codec): string => encodeAddress((c as AccountId32).toU8a(), 42)

export async function subnetExists(at: At, netuid: number): Promise<void> {
  const added = (await entry(at, 'subtensorModule', 'networksAdded')(netuid)) as Bool
  if (!added.isTrue) throw new ChainRequestError(`subnet ${netuid} does not exist`)
}

export async function readWeightsPolicy(at: At, netuid: number, features: RuntimeFeatures): Promise<WeightsPolicy> {
  await subnetExists(at, netuid)
  const [rateLimit, versionKey, commitReveal, revealPeriod, tempo, version] = await Promise.all([
    entry(at, 'subtensorModule', 'weightsSetRateLimit')(netuid),
    entry(at, 'subtensorModule', 'weightsVersionKey')(netuid),
    entry(at, 'subtensorModule', 'commitRevealWeightsEnabled')(netuid),
    entry(at, 'subtensorModule', 'revealPeriodEpochs')(netuid),
    entry(at, 'subtensorModule', 'tempo')(netuid),
    features.commitRevealVersion ? entry(at, 'subtensorModule', 'commitRevealWeightsVersion')() : Promise.resolve(null),
  ])
  return {
    rateLimit: num(rateLimit),
    versionKey: big(versionKey),
    commitRevealEnabled: (commitReveal as Bool).isTrue,
    revealPeriodEpochs: num(revealPeriod),
    tempo: num(tempo),
    commitRevealVersion: version ? num(version) : 0,
  }
}

/** The subnet's epoch schedule at the block `at` was taken at, from the storage the runtime keeps it in. */
export async function readEpochState(at: At, netuid: number, block: number, features: RuntimeFeatures): Promise<EpochState> {
  const tempo = await readTempo(at, netuid)
  if (features.scheduler === 'legacy') return { scheduler: 'legacy', netuid, tempo, block }
  const sm = (item: string) => entry(at, 'subtensorModule', item)(netuid)
  const [last, pending, index, since] = await Promise.all([sm('lastEpochBlock'), sm('pendingEpochAt'), sm('subnetEpochIndex'), sm('blocksSinceLastStep')])
  return { scheduler: 'stateful', netuid, tempo, block, lastEpochBlock: num(last), pendingEpochAt: num(pending), epochIndex: num(index), blocksSinceLastStep: num(since) }
}

export async function readTempo(at: At, netuid: number): Promise<number> {
  await subnetExists(at, netuid)
  return num(await entry(at, 'subtensorModule', 'tempo')(netuid))
}

export async function readNeurons(at: At, netuid: number): Promise<Neuron[]> {
  await subnetExists(at, netuid)
  const sm = (item: string) => entry(at, 'subtensorModule', item)
  const [keys, permits, lastUpdate, registered] = await Promise.all([
    sm('keys').entries(netuid),
    sm('validatorPermit')(netuid) as Promise<Vec<Bool>>,
    sm('lastUpdate')(netuid) as Promise<Vec<INumber>>,
    sm('blockAtRegistration').entries(netuid),
  ])
  const byUid = new Map<number, string>()
  for (const [key, value] of keys) byUid.set(num(key.args[1]!), ss58(value))
  const registeredAt = new Map<number, number>()
  for (const [key, value] of registered) registeredAt.set(num(key.args[1]!), num(value))
  const uids = [...byUid.keys()].sort((a, b) => a - b)
  const hotkeys = uids.map((uid) => byUid.get(uid)!)
  const stakes = hotkeys.length ? await sm('totalHotkeyAlpha').multi(hotkeys.map((h) => [h, netuid])) : []
  return uids.map((uid, i) => ({
    uid,
    hotkey: hotkeys[i]!,
    validatorPermit: permits[uid]?.isTrue ?? false,
    stake: stakes[i] ? big(stakes[i]!) : 0n,
    lastUpdate: lastUpdate[uid] ? num(lastUpdate[uid]!) : 0,
    registeredAt: registeredAt.get(uid) ?? 0,
  }))
}

interface DataField extends Codec {
  type: string
  value: Codec
}
interface Registration extends Codec {
  deposit: INumber
  block: INumber
  info: { fields: Vec<DataField> }
}

function decodeRegistration(hotkey: string, reg: Registration): CommitmentRecord {
  const timelocked = reg.info.fields.find((f) => f.type === 'TimelockEncrypted')
  if (timelocked) {
    const round = (timelocked.value as Codec & { revealRound: INumber }).revealRound
    return { hotkey, block: num(reg.block), text: null, revealRound: num(round) }
  }
  const fields = reg.info.fields.map((f) =>
    /^Raw\d+$/.test(f.type) ? (f.value as U8aFixed).toU8a() : f.type === 'BigRaw' ? (f.value as Bytes).toU8a(true) : null,
  )
  return { hotkey, block: num(reg.block), text: fieldsToText(fields) }
}

type Revealed = Vec<Codec & [Bytes, INumber]>

/** The newest revealed text of a hotkey (RevealedCommitments keeps up to 10, oldest first), or null. */
function latestRevealed(hotkey: string, value: Option<Revealed>): CommitmentRecord | null {
  if (value.isNone || value.unwrap().length === 0) return null
  const list = value.unwrap()
  const [bytes, block] = list[list.length - 1]!
  return { hotkey, block: num(block), text: revealedText(bytes.toU8a(true)) }
}

/**
 * What counts for a hotkey: the newer of its plain commitment and its latest revealed one; a
 * timelocked commitment not yet revealed counts only when nothing was revealed before it.
 */
function current(plain: CommitmentRecord | null, revealed: CommitmentRecord | null): CommitmentRecord | null {
  if (!revealed) return plain
  if (!plain || plain.revealRound !== undefined) return revealed
  return plain.block > revealed.block ? plain : revealed
}

export async function readCommitments(at: At, netuid: number, features: RuntimeFeatures): Promise<CommitmentRecord[]> {
  const [plainEntries, revealedEntries] = await Promise.all([
    entry(at, 'commitments', 'commitmentOf').entries(netuid),
    features.revealedCommitments ? entry(at, 'commitments', 'revealedCommitments').entries(netuid) : Promise.resolve([]),
  ])
  const plain = new Map<string, CommitmentRecord>()
  for (const [key, value] of plainEntries) {
    const reg = value as Option<Registration>
    const hotkey = ss58(key.args[1]!)
    if (reg.isSome) plain.set(hotkey, decodeRegistration(hotkey, reg.unwrap()))
  }
  const revealed = new Map<string, CommitmentRecord>()
  for (const [key, value] of revealedEntries) {
    const hotkey = ss58(key.args[1]!)
    const r = latestRevealed(hotkey, value as Option<Revealed>)
    if (r) revealed.set(hotkey, r)
  }
  const out: CommitmentRecord[] = []
  for (const hotkey of new Set([...plain.keys(), ...revealed.keys()])) {
    const c = current(plain.get(hotkey) ?? null, revealed.get(hotkey) ?? null)
    // hidden until revealed: not a commitment anyone can evaluate yet
    if (c && c.revealRound === undefined) out.push(c)
  }
  return out.sort((a, b) => a.block - b.block || a.hotkey.localeCompare(b.hotkey))
}

export async function readCommitmentOf(at: At, netuid: number, hotkey: string, features: RuntimeFeatures): Promise<CommitmentRecord | null> {
  const [reg, revealed] = await Promise.all([
    entry(at, 'commitments', 'commitmentOf')(netuid, hotkey) as Promise<Option<Registration>>,
    features.revealedCommitments ? (entry(at, 'commitments', 'revealedCommitments')(netuid, hotkey) as Promise<Option<Revealed>>) : Promise.resolve(null),
  ])
  const plain = reg.isSome ? decodeRegistration(hotkey, reg.unwrap()) : null
  // the pending timelocked one is what this hotkey committed last: its own view shows it
  if (plain?.revealRound !== undefined) return plain
  return current(plain, revealed ? latestRevealed(hotkey, revealed) : null)
}

interface UsageTracker extends Codec {
  lastEpoch: INumber
  usedSpace: INumber
}

export async function readCommitmentSpace(at: At, netuid: number, hotkey: string, epoch: EpochState): Promise<CommitmentSpace> {
  const [usage, max, reg] = await Promise.all([
    entry(at, 'commitments', 'usedSpaceOf')(netuid, hotkey) as Promise<Option<UsageTracker>>,
    entry(at, 'commitments', 'maxSpace')() as Promise<INumber>,
    entry(at, 'commitments', 'commitmentOf')(netuid, hotkey) as Promise<Option<Registration>>,
  ])
  const inEpoch = usage.isSome && num(usage.unwrap().lastEpoch) === currentEpoch(epoch)
  return { used: inEpoch ? num(usage.unwrap().usedSpace) : 0, max: num(max), deposit: reg.isSome ? big(reg.unwrap().deposit) : null }
}

/** The hotkey's hash commits for one mechanism, in whichever layout the runtime stores them. */
export async function readWeightCommits(at: At, epoch: EpochState, hotkey: string, mechanismId: number, features: RuntimeFeatures): Promise<OnChainCommit[]> {
  const index = mechanismStorageIndex(epoch.netuid, mechanismId)
  const value = (await entry(at, 'subtensorModule', 'weightCommits')(index, hotkey)) as Option<Vec<Codec>>
  if (value.isNone) return []
  return value.unwrap().map((t) => {
    const [hash, second, third] = t as unknown as [H256, INumber, INumber | undefined]
    if (features.weightCommits === 'epoch') return { hash: hash.toHex(), commitEpoch: num(second), commitBlock: third ? num(third) : 0 }
    const commitBlock = num(second)
    return { hash: hash.toHex(), commitEpoch: epochIndex(epoch.netuid, epoch.tempo, commitBlock), commitBlock }
  })
}
