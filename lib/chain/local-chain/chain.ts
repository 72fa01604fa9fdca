/** An embedded, file-backed chain with subtensor's semantics, for local runs and demos. */
import { dirname, join } from 'node:path'

import { blake2AsHex, isAddress } from '@polkadot/util-crypto'

import { u8aToHex } from '@polkadot/util'

import { fieldsToText, textToFields } from '../commitment-fields.js'
import { currentEpoch, epochIndex, epochInfo, revealBlockOf } from '../epoch.js'
import { ChainDispatchError, ChainRequestError } from '../errors.js'
import { PendingRevealStore } from '../pending-reveals.js'
import { commitAndRecord, revealDue } from '../reveal.js'
import { encryptTimelocked } from '../timelock.js'
import type {
  BlockRef, Chain, CommitmentRecord, CommitmentSpace, EpochInfo, Metagraph, PendingReveal, PublishOptions, RevealOutcome, TimelockedCommit, TxReceipt, WeightsPolicy,
} from '../types.js'
import type { Hotkey } from '../wallet.js'
import { checkWeightsArgs } from '../weights.js'
import { encodeWeightsPayload } from '../weights-tlock.js'
import * as rt from './runtime.js'
import { newSubnet, type LocalState, type LocalSubnet } from './state.js'
import { LocalStateFile } from './store.js'

export interface LocalChainOptions {
  /** The state file; created with a fresh genesis when absent. */
  path: string
  /** The account that signs: a loaded hotkey or an SS58 address (nothing is really signed). */
  hotkey?: Hotkey | string
  /** Folder for pending weight reveals. Default: the state file's folder. */
  stateDir?: string
  /** For a new chain: produce a block every this many ms of wall time; null = only on extrinsics and advanceBlocks. */
  blockTimeMs?: number | null
  /** For a new chain: commitment space per hotkey per epoch (subtensor: 3100). */
  maxSpace?: number
  /** For a new chain: its genesis hash (0x + 64 hex), so its block hashes are known in advance; default random. */
  genesisHash?: string
  /** Clock, for the block timer. */
  now?: () => number
}

export interface LocalSubnetParams {
  tempo?: number
  weightsSetRateLimit?: number
  weightsVersionKey?: bigint
  commitRevealEnabled?: boolean
  revealPeriodEpochs?: number
  minAllowedWeights?: number
  /** CommitRevealWeightsVersion; 4 (the default) takes timelocked commits. */
  commitRevealVersion?: number
}

export class LocalChain implements Chain {
  readonly path: string
  readonly genesisHash: string
  readonly hotkey: string | undefined
  readonly #file: LocalStateFile
  readonly #store: PendingRevealStore
  readonly #now: () => number

  private constructor(file: LocalStateFile, genesisHash: string, options: LocalChainOptions) {
    this.#file = file
    this.path = file.path
    this.genesisHash = genesisHash
    this.hotkey = typeof options.hotkey === 'string' ? options.hotkey : options.hotkey?.address
    this.#store = new PendingRevealStore(join(options.stateDir ?? dirname(file.path), 'pending-reveals.json'))
    this.#now = options.now ?? Date.now
  }

  static async open(options: LocalChainOptions): Promise<LocalChain> {
    if (typeof options.hotkey === 'string' && !isAddress(options.hotkey)) throw new ChainRequestError(`hotkey ${JSON.stringify(options.hotkey)} is not an SS58 address`)
    if (options.genesisHash !== undefined && !/^0x[0-9a-f]{64}$/.test(options.genesisHash)) throw new ChainRequestError(`genesisHash ${JSON.stringify(options.genesisHash)} is not 0x + 64 lower-case hex`)
    const file = new LocalStateFile(options.path)
    const now = options.now ?? Date.now
    await file.ensure({
      blockTimeMs: options.blockTimeMs ?? null, maxSpace: options.maxSpace ?? 3100, now: now(),
      ...(options.genesisHash !== undefined ? { genesisHash: options.genesisHash } : {}),
    })
    const state = await file.read()
    return new LocalChain(file, state.genesisHash, options)
  }

  #elapsed(state: LocalState): number {
    return state.blockTimeMs ? Math.max(0, Math.floor((this.#now() - state.anchorMs) / state.blockTimeMs)) : 0
  }

  #head(state: LocalState): number {
    return state.block + this.#elapsed(state)
  }

  /** Moves the stored block up to the wall clock before a write. */
  #catchUp(state: LocalState): void {
    const elapsed = this.#elapsed(state)
    for (let i = 0; i < elapsed; i++) rt.revealTimelocked(state, ++state.block)
    if (state.blockTimeMs) state.anchorMs += elapsed * state.blockTimeMs
  }

  #blockHash(block: number): string {
    return blake2AsHex(`${this.genesisHash}:${block}`, 256)
  }

  #signer(): string {
    if (!this.hotkey) throw new ChainRequestError('this chain client has no hotkey to sign with')
    return this.hotkey
  }

  /** Like an extrinsic: included in a new block even when it fails, state changed only when it succeeds. */
  async #extrinsic(call: string, apply: (state: LocalState, who: string, block: number) => void): Promise<TxReceipt> {
    const who = this.#signer()
    let failure: rt.LocalDispatchError | undefined
    const block = await this.#file.update((state) => {
      this.#catchUp(state)
      const next = state.block + 1
      // the block step runs before the block's extrinsics
      rt.revealTimelocked(state, next)
      const trial = structuredClone(state)
      try {
        apply(trial, who, next)
        Object.assign(state, trial)
      } catch (err) {
        if (!(err instanceof rt.LocalDispatchError)) throw err
        failure = err
      }
      state.block = next
      return next
    })
    if (failure) throw new ChainDispatchError(failure.pallet, failure.errorName, rt.ERROR_DOCS[failure.errorName] ?? '', call)
    return { blockNumber: block, blockHash: this.#blockHash(block) }
  }

  async #read<T>(fn: (state: LocalState, head: number) => T): Promise<T> {
    const state = await this.#file.read()
    return fn(state, this.#head(state))
  }

  #subnet(state: LocalState, netuid: number): LocalSubnet {
    const subnet = state.subnets[String(netuid)]
    if (!subnet) throw new ChainRequestError(`subnet ${netuid} does not exist`)
    return subnet
  }

  currentBlock(): Promise<BlockRef> {
    return this.#read((_, head) => ({ number: head, hash: this.#blockHash(head) }))
  }

  blockHash(number: number): Promise<string> {
    return this.#read((_, head) => {
      if (!Number.isSafeInteger(number) || number < 0 || number > head) throw new ChainRequestError(`block ${number} is not on the chain (head ${head})`)
      return this.#blockHash(number)
    })
  }

  epoch(netuid: number): Promise<EpochInfo> {
    return this.#read((state, head) => epochInfo(rt.epochState(netuid, this.#subnet(state, netuid), head)))
  }

  weightsPolicy(netuid: number): Promise<WeightsPolicy> {
    return this.#read((state) => {
      const s = this.#subnet(state, netuid)
      return {
        rateLimit: s.weightsSetRateLimit, versionKey: BigInt(s.weightsVersionKey), commitRevealEnabled: s.commitRevealEnabled,
        revealPeriodEpochs: s.revealPeriodEpochs, tempo: s.tempo, commitRevealVersion: s.commitRevealVersion ?? 4,
      }
    })
  }

  async commitRevealEnabled(netuid: number): Promise<boolean> {
    return (await this.weightsPolicy(netuid)).commitRevealEnabled
  }

  metagraph(netuid: number): Promise<Metagraph> {
    return this.#read((state, head) => ({
      netuid,
      block: head,
      blockHash: this.#blockHash(head),
      neurons: this.#subnet(state, netuid).neurons.map((n, uid) => ({
        uid, hotkey: n.hotkey, validatorPermit: n.validatorPermit, stake: BigInt(n.stake), lastUpdate: n.lastUpdate, registeredAt: n.registeredAt,
      })),
    }))
  }

  #record(hotkey: string, c: { block: number; fields: string[] }): CommitmentRecord {
    return { hotkey, block: c.block, text: fieldsToText(c.fields.map((f) => Buffer.from(f.replace(/^0x/, ''), 'hex'))) }
  }

  commitments(netuid: number): Promise<CommitmentRecord[]> {
    return this.#read((state) =>
      Object.entries(state.subnets[String(netuid)]?.commitments ?? {})
        .map(([hotkey, c]) => this.#record(hotkey, c))
        .sort((a, b) => a.block - b.block || a.hotkey.localeCompare(b.hotkey)),
    )
  }

  async commitmentOf(netuid: number, hotkey?: string): Promise<CommitmentRecord | null> {
    const who = hotkey ?? this.#signer()
    return this.#read((state) => {
      const c = state.subnets[String(netuid)]?.commitments[who]
      return c ? this.#record(who, c) : null
    })
  }

  async publishCommitment(netuid: number, text: string, options: PublishOptions = {}): Promise<TxReceipt> {
    if (options.timelockBlocks !== undefined) throw new ChainRequestError('the local chain has no timelocked commitments: commit without a timelock')
    const fields = textToFields(text)
    return this.#extrinsic(`Commitments.set_commitment on subnet ${netuid}`, (s, who, block) => rt.setCommitment(s, who, block, netuid, fields))
  }

  async commitmentSpace(netuid: number, hotkey?: string): Promise<CommitmentSpace> {
    const who = hotkey ?? this.#signer()
    return this.#read((state, head) => {
      const subnet = this.#subnet(state, netuid)
      const usage = subnet.usedSpace[who]
      const used = usage && usage.lastEpoch === currentEpoch(rt.epochState(netuid, subnet, head)) ? usage.used : 0
      // the local chain holds no deposits
      return { used, max: state.maxSpace, deposit: subnet.commitments[who] ? 0n : null }
    })
  }

  #mainMechanism(mechanismId: number): void {
    if (mechanismId !== 0) throw new ChainRequestError(`the local chain has one mechanism per subnet; mechanism ${mechanismId} does not exist`)
  }

  async setWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint, mechanismId = 0): Promise<TxReceipt> {
    checkWeightsArgs(netuid, uids, values, versionKey)
    this.#mainMechanism(mechanismId)
    const key = versionKey ?? (await this.weightsPolicy(netuid)).versionKey
    return this.#extrinsic(`SubtensorModule.set_weights on subnet ${netuid}`, (s, who, block) => rt.setWeights(s, who, block, netuid, uids, values, key))
  }

  async commitWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint, mechanismId = 0): Promise<PendingReveal & { receipt: TxReceipt }> {
    checkWeightsArgs(netuid, uids, values, versionKey)
    this.#mainMechanism(mechanismId)
    const hotkey = this.#signer()
    const key = versionKey ?? (await this.weightsPolicy(netuid)).versionKey
    return commitAndRecord({
      store: this.#store, genesisHash: this.genesisHash, hotkey, netuid, mechanismId, uids, values, versionKey: key,
      submit: (commitHash) => this.#extrinsic(`SubtensorModule.commit_weights on subnet ${netuid}`, (s, who, block) => rt.commitWeights(s, who, block, netuid, commitHash)),
    })
  }

  /**
   * Timelocked to the chain's own beacon, whose rounds are block numbers: the round is the
   * block the reveal epoch starts at (legacy scheduler, as the SDK predicts it). The block step
   * of that block decrypts and applies the weights.
   */
  async commitTimelockedWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint, mechanismId = 0): Promise<TimelockedCommit> {
    checkWeightsArgs(netuid, uids, values, versionKey)
    this.#mainMechanism(mechanismId)
    const hotkey = this.#signer()
    const policy = await this.weightsPolicy(netuid)
    const key = versionKey ?? policy.versionKey
    const plaintext = encodeWeightsPayload({ hotkey, uids, values, versionKey: key })
    let revealBlock = 0
    let round = 0n
    const receipt = await this.#extrinsic(`SubtensorModule.commit_timelocked_weights on subnet ${netuid}`, (s, who, block) => {
      const predicted = revealBlockOf(rt.epochState(netuid, rt.subnetOf(s, netuid), block - 1), policy.revealPeriodEpochs)
      revealBlock = predicted
      round = BigInt(predicted)
      const commit = encryptTimelocked(plaintext, round, { publicKey: rt.beaconOf(s).publicKey })
      rt.commitTimelockedWeights(s, who, block, netuid, u8aToHex(commit), predicted, policy.commitRevealVersion)
    })
    return { receipt, revealRound: round, revealBlock, commitRevealVersion: policy.commitRevealVersion }
  }

  async revealPendingWeights(netuid: number): Promise<RevealOutcome[]> {
    const hotkey = this.#signer()
    return revealDue({
      store: this.#store, genesisHash: this.genesisHash, hotkey, netuid,
      schedule: async () => {
        const [policy, { epoch, onChain }] = await Promise.all([
          this.weightsPolicy(netuid),
          this.#read((state, head) => {
            const subnet = this.#subnet(state, netuid)
            return {
              epoch: rt.epochState(netuid, subnet, head),
              onChain: (subnet.weightCommits[hotkey] ?? []).map(([hash, commitBlock]) => ({ hash, commitBlock, commitEpoch: epochIndex(netuid, subnet.tempo, commitBlock) })),
            }
          }),
        ])
        return { epoch, revealPeriodEpochs: policy.revealPeriodEpochs, onChain: async () => onChain }
      },
      reveal: (p) => this.#extrinsic(`SubtensorModule.reveal_weights on subnet ${netuid}`, (s, who, at) =>
        rt.revealWeights(s, who, at, netuid, p.uids, p.values, p.salt, BigInt(p.versionKey))),
    })
  }

  async close(): Promise<void> {}

  /** The weights each validator uid has set on `netuid`, as (uid, u16 value) pairs. */
  weights(netuid: number): Promise<Map<number, Array<[number, number]>>> {
    return this.#read((state) => {
      const set = this.#subnet(state, netuid).weights
      return new Map(Object.entries(set).map(([uid, pairs]) => [Number(uid), pairs.map(([u, v]) => [u, v] as [number, number])]))
    })
  }

  // ---- administration (what sudo, registration and time do on a real chain) ----

  async createSubnet(netuid: number, params: LocalSubnetParams = {}): Promise<void> {
    if (!Number.isInteger(netuid) || netuid < 0 || netuid > 0xffff) throw new ChainRequestError(`netuid ${netuid} is not a u16`)
    await this.#file.update((state) => {
      if (state.subnets[String(netuid)]) throw new ChainRequestError(`subnet ${netuid} already exists`)
      state.subnets[String(netuid)] = { ...newSubnet(), ...subnetFields(params) }
    })
  }

  async setSubnetParams(netuid: number, params: LocalSubnetParams): Promise<void> {
    await this.#file.update((state) => {
      Object.assign(this.#subnet(state, netuid), subnetFields(params))
    })
  }

  /** Registers a hotkey at the head block; returns its uid. */
  async register(netuid: number, hotkey: string, options: { validatorPermit?: boolean; stake?: bigint } = {}): Promise<number> {
    if (!isAddress(hotkey)) throw new ChainRequestError(`hotkey ${JSON.stringify(hotkey)} is not an SS58 address`)
    return this.#file.update((state) => {
      this.#catchUp(state)
      const subnet = this.#subnet(state, netuid)
      if (subnet.neurons.some((n) => n.hotkey === hotkey)) throw new ChainRequestError(`${hotkey} is already registered on subnet ${netuid}`)
      subnet.neurons.push({
        hotkey, validatorPermit: options.validatorPermit ?? false, stake: (options.stake ?? 0n).toString(), lastUpdate: 0, registeredAt: state.block,
      })
      return subnet.neurons.length - 1
    })
  }

  async advanceBlocks(count: number): Promise<BlockRef> {
    if (!Number.isInteger(count) || count < 0) throw new ChainRequestError(`cannot advance ${count} blocks`)
    const block = await this.#file.update((state) => {
      this.#catchUp(state)
      for (let i = 0; i < count; i++) rt.revealTimelocked(state, ++state.block)
      return state.block
    })
    return { number: block, hash: this.#blockHash(block) }
  }
}

function subnetFields(p: LocalSubnetParams): Partial<LocalSubnet> {
  const out: Partial<LocalSubnet> = {}
  if (p.tempo !== undefined) out.tempo = p.tempo
  if (p.weightsSetRateLimit !== undefined) out.weightsSetRateLimit = p.weightsSetRateLimit
  if (p.weightsVersionKey !== undefined) out.weightsVersionKey = p.weightsVersionKey.toString()
  if (p.commitRevealEnabled !== undefined) out.commitRevealEnabled = p.commitRevealEnabled
  if (p.revealPeriodEpochs !== undefined) out.revealPeriodEpochs = p.revealPeriodEpochs
  if (p.minAllowedWeights !== undefined) out.minAllowedWeights = p.minAllowedWeights
  if (p.commitRevealVersion !== undefined) out.commitRevealVersion = p.commitRevealVersion
  return out
}

