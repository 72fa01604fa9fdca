/** Decoding subtensor storage, read at one block through `api.at(hash)`. */
import type { ApiDecoration, QueryableStorageEntry } from '@polkadot/api/types'
import type { Bool, Bytes, Option, U8aFixed, Vec } from '@polkadot/types'
import type { AccountId32, H256 } from '@polkadot/types/interfaces'
import type { Codec, INumber } from '@polkadot/types/types'
import { encodeAddress } from '@polkadot/util-crypto'

import { fieldsToText } from '../commitment-fields.js'
import { ChainRequestError, ChainRpcError } from '../errors.js'
import { epochIndex } from '../epoch.js'
import type { CommitmentRecord, CommitmentSpace, Neuron, WeightsPolicy } from '../types.js'

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

export async function readWeightsPolicy(at: At, netuid: number): Promise<WeightsPolicy> {
  await subnetExists(at, netuid)
  const [rateLimit, versionKey, commitReveal, revealPeriod, tempo] = await Promise.all([
    entry(at, 'subtensorModule', 'weightsSetRateLimit')(netuid),
    entry(at, 'subtensorModule', 'weightsVersionKey')(netuid),
    entry(at, 'subtensorModule', 'commitRevealWeightsEnabled')(netuid),
    entry(at, 'subtensorModule', 'revealPeriodEpochs')(netuid),
    entry(at, 'subtensorModule', 'tempo')(netuid),
  ])
  return {
    rateLimit: num(rateLimit),
    versionKey: big(versionKey),
    commitRevealEnabled: (commitReveal as Bool).isTrue,
    revealPeriodEpochs: num(revealPeriod),
    tempo: num(tempo),
  }
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
  const fields = reg.info.fields.map((f) =>
    /^Raw\d+$/.test(f.type) ? (f.value as U8aFixed).toU8a() : f.type === 'BigRaw' ? (f.value as Bytes).toU8a(true) : null,
  )
  return { hotkey, block: num(reg.block), text: fieldsToText(fields) }
}

export async function readCommitments(at: At, netuid: number): Promise<CommitmentRecord[]> {
  const entries = await entry(at, 'commitments', 'commitmentOf').entries(netuid)
  const out: CommitmentRecord[] = []
  for (const [key, value] of entries) {
    const reg = value as Option<Registration>
    if (reg.isSome) out.push(decodeRegistration(ss58(key.args[1]!), reg.unwrap()))
  }
  return out.sort((a, b) => a.block - b.block || a.hotkey.localeCompare(b.hotkey))
}

export async function readCommitmentOf(at: At, netuid: number, hotkey: string): Promise<CommitmentRecord | null> {
  const reg = (await entry(at, 'commitments', 'commitmentOf')(netuid, hotkey)) as Option<Registration>
  return reg.isSome ? decodeRegistration(hotkey, reg.unwrap()) : null
}

interface UsageTracker extends Codec {
  lastEpoch: INumber
  usedSpace: INumber
}

export async function readCommitmentSpace(at: At, netuid: number, hotkey: string, block: number): Promise<CommitmentSpace> {
  const tempo = await readTempo(at, netuid)
  const [usage, max, reg] = await Promise.all([
    entry(at, 'commitments', 'usedSpaceOf')(netuid, hotkey) as Promise<Option<UsageTracker>>,
    entry(at, 'commitments', 'maxSpace')() as Promise<INumber>,
    entry(at, 'commitments', 'commitmentOf')(netuid, hotkey) as Promise<Option<Registration>>,
  ])
  const current = usage.isSome && num(usage.unwrap().lastEpoch) === epochIndex(netuid, tempo, block)
  return { used: current ? num(usage.unwrap().usedSpace) : 0, max: num(max), deposit: reg.isSome ? big(reg.unwrap().deposit) : null }
}

export interface OnChainCommit {
  hash: string
  commitBlock: number
}

export async function readWeightCommits(at: At, netuid: number, hotkey: string): Promise<OnChainCommit[]> {
  const value = (await entry(at, 'subtensorModule', 'weightCommits')(netuid, hotkey)) as Option<Vec<Codec>>
  if (value.isNone) return []
  return value.unwrap().map((t) => {
    const [hash, commitBlock] = t as unknown as [H256, INumber]
    return { hash: hash.toHex(), commitBlock: num(commitBlock) }
  })
}
