/** The Chain interface over a subtensor node through @polkadot/api. */
import { join } from 'node:path'

import type { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiDecoration, SubmittableExtrinsic } from '@polkadot/api/types'
import type { Header } from '@polkadot/types/interfaces'
import { u8aToHex } from '@polkadot/util'

import { textToFields } from '../commitment-fields.js'
import { timelockRevealRound } from '../drand.js'
import { epochInfo, type EpochState } from '../epoch.js'
import { ChainConnectionError, ChainRequestError } from '../errors.js'
import { resolveEndpoint } from '../networks.js'
import { PendingRevealStore } from '../pending-reveals.js'
import { commitAndRecord, revealDue } from '../reveal.js'
import { timelockCommitment } from '../timelocked-commitment.js'
import type {
  BlockRef, Chain, CommitmentRecord, CommitmentSpace, EpochInfo, Metagraph, PendingReveal, PublishOptions, RevealOutcome, TimelockedCommit, TxReceipt, WeightsPolicy,
} from '../types.js'
import type { Hotkey } from '../wallet.js'
import { checkWeightsArgs, mechanismStorageIndex } from '../weights.js'
import { encryptTimelockedWeights } from '../weights-tlock.js'
import { openApi, waitForConnection, withTimeout } from './connection.js'
import { classifyError } from './errors.js'
import * as reads from './reads.js'
import { detectRuntime, type RuntimeFeatures } from './runtime.js'
import { submitAndWait } from './submit.js'

export interface SubtensorChainOptions {
  /** `finney`, `test`, `local`, or a ws:// / wss:// endpoint. Default `finney`. */
  network?: string
  /** Signs extrinsics; reads need none. */
  hotkey?: Hotkey
  /** Folder for pending weight reveals (pending-reveals.json); needed by commitWeights. */
  stateDir?: string
  /** Limit for each read and for (re)connecting. Default 30 s. */
  timeoutMs?: number
  /** Limit for an extrinsic to reach a block. Default 120 s. */
  txTimeoutMs?: number
  /** Delay between reconnection attempts. Default 2.5 s. */
  reconnectDelayMs?: number
  /** Times a read is retried after the connection dropped. Default 2. */
  readRetries?: number
  /** Seconds per block, to turn blocks into drand rounds (12 on finney; 0.25 on a fast-blocks local node). Default 12. */
  blockSeconds?: number
  /** Wall clock in ms, for drand rounds. Default Date.now. */
  now?: () => number
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

export class SubtensorChain implements Chain {
  readonly endpoint: string
  readonly genesisHash: string
  readonly #api: ApiPromise
  readonly #provider: WsProvider
  readonly #hotkey: Hotkey | undefined
  readonly #store: PendingRevealStore | undefined
  readonly #timeoutMs: number
  readonly #txTimeoutMs: number
  readonly #retries: number
  readonly #blockSeconds: number
  readonly #now: () => number
  /** What the node's runtime has, read from its metadata at connect. */
  readonly runtime: RuntimeFeatures

  private constructor(api: ApiPromise, provider: WsProvider, endpoint: string, options: SubtensorChainOptions) {
    this.#api = api
    this.runtime = detectRuntime(api)
    this.#provider = provider
    this.endpoint = endpoint
    this.genesisHash = api.genesisHash.toHex()
    this.#hotkey = options.hotkey
    this.#store = options.stateDir ? new PendingRevealStore(join(options.stateDir, 'pending-reveals.json')) : undefined
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#txTimeoutMs = options.txTimeoutMs ?? 120_000
    this.#retries = options.readRetries ?? 2
    this.#blockSeconds = options.blockSeconds ?? 12
    this.#now = options.now ?? Date.now
  }

  static async connect(options: SubtensorChainOptions = {}): Promise<SubtensorChain> {
    const endpoint = resolveEndpoint(options.network ?? 'finney')
    const { api, provider } = await openApi({ endpoint, timeoutMs: options.timeoutMs ?? 30_000, reconnectDelayMs: options.reconnectDelayMs ?? 2_500 })
    return new SubtensorChain(api, provider, endpoint, options)
  }

  get hotkey(): string | undefined {
    return this.#hotkey?.address
  }

  /** Runs a read with a timeout; after a dropped connection waits for it to come back and tries again. */
  async #read<T>(what: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        await waitForConnection(this.#provider, this.#timeoutMs)
        return await withTimeout(run(), this.#timeoutMs, what)
      } catch (err) {
        const error = classifyError(err, this.#provider.isConnected, what, 'read')
        if (!(error instanceof ChainConnectionError) || attempt >= this.#retries) throw error
      }
    }
  }

  async #head(): Promise<{ block: BlockRef; at: ApiDecoration<'promise'> }> {
    // Straight to the provider: api.rpc shares an in-flight call between callers, so one
    // stalled chain_getHeader would hold every later head read until it times out there.
    const header = this.#api.registry.createType<Header>('Header', await this.#provider.send('chain_getHeader', []))
    const hash = header.hash.toHex()
    return { block: { number: header.number.toNumber(), hash }, at: await this.#api.at(hash) }
  }

  #signer(): Hotkey {
    if (!this.#hotkey) throw new ChainRequestError('this chain client has no hotkey to sign with')
    return this.#hotkey
  }

  #tx(pallet: string, call: string): (...args: unknown[]) => SubmittableExtrinsic<'promise'> {
    const fn = this.#api.tx[pallet]?.[call]
    if (!fn) throw new ChainRequestError(`the runtime has no call ${pallet}.${call}`)
    return fn as (...args: unknown[]) => SubmittableExtrinsic<'promise'>
  }

  #submit(label: string, tx: SubmittableExtrinsic<'promise'>): Promise<TxReceipt> {
    return submitAndWait(this.#api, tx, this.#signer().pair, label, this.#txTimeoutMs)
  }

  currentBlock(): Promise<BlockRef> {
    return this.#read('reading the head block', async () => (await this.#head()).block)
  }

  async blockHash(number: number): Promise<string> {
    if (!Number.isSafeInteger(number) || number < 0) throw new ChainRequestError(`block ${number} is not a block number`)
    const hash = await this.#read(`reading the hash of block ${number}`, () => this.#provider.send('chain_getBlockHash', [number]))
    if (typeof hash !== 'string' || !/^0x[0-9a-f]{64}$/.test(hash)) throw new ChainRequestError(`block ${number} is not on the chain`)
    return hash
  }

  async #epochAt(netuid: number): Promise<{ state: EpochState; at: ApiDecoration<'promise'>; block: BlockRef }> {
    const { block, at } = await this.#head()
    return { state: await reads.readEpochState(at, netuid, block.number, this.runtime), at, block }
  }

  epoch(netuid: number): Promise<EpochInfo> {
    return this.#read(`reading the epoch of subnet ${netuid}`, async () => epochInfo((await this.#epochAt(netuid)).state))
  }

  weightsPolicy(netuid: number): Promise<WeightsPolicy> {
    return this.#read(`reading the weights policy of subnet ${netuid}`, async () => reads.readWeightsPolicy((await this.#head()).at, netuid, this.runtime))
  }

  async commitRevealEnabled(netuid: number): Promise<boolean> {
    return (await this.weightsPolicy(netuid)).commitRevealEnabled
  }

  metagraph(netuid: number): Promise<Metagraph> {
    return this.#read(`reading the metagraph of subnet ${netuid}`, async () => {
      const { block, at } = await this.#head()
      return { netuid, block: block.number, blockHash: block.hash, neurons: await reads.readNeurons(at, netuid) }
    })
  }

  commitments(netuid: number): Promise<CommitmentRecord[]> {
    return this.#read(`reading the commitments of subnet ${netuid}`, async () => reads.readCommitments((await this.#head()).at, netuid, this.runtime))
  }

  async commitmentOf(netuid: number, hotkey?: string): Promise<CommitmentRecord | null> {
    const who = hotkey ?? this.#signer().address
    return this.#read(`reading the commitment of ${who} on subnet ${netuid}`, async () => reads.readCommitmentOf((await this.#head()).at, netuid, who, this.runtime))
  }

  async publishCommitment(netuid: number, text: string, options: PublishOptions = {}): Promise<TxReceipt> {
    const label = `Commitments.set_commitment on subnet ${netuid}`
    if (options.timelockBlocks !== undefined) {
      const t = timelockCommitment(text, options.timelockBlocks, { nowSeconds: this.#now() / 1000, blockSeconds: this.#blockSeconds })
      const field = { TimelockEncrypted: { encrypted: u8aToHex(t.encrypted), revealRound: t.revealRound } }
      return this.#submit(label, this.#tx('commitments', 'setCommitment')(netuid, { fields: [field] }))
    }
    const fields = textToFields(text).map((bytes) => ({ [`Raw${bytes.length}`]: u8aToHex(bytes) }))
    return this.#submit(label, this.#tx('commitments', 'setCommitment')(netuid, { fields }))
  }

  async commitmentSpace(netuid: number, hotkey?: string): Promise<CommitmentSpace> {
    const who = hotkey ?? this.#signer().address
    return this.#read(`reading the commitment space of ${who} on subnet ${netuid}`, async () => {
      const { state, at } = await this.#epochAt(netuid)
      return reads.readCommitmentSpace(at, netuid, who, state)
    })
  }

  /** The call, mechanism variant or not: `plain(netuid, ...args)` or `mechanism(netuid, mecid, ...args)`. */
  #weightsCall(plain: string, mechanism: string, netuid: number, mechanismId: number, ...args: unknown[]): { label: string; tx: SubmittableExtrinsic<'promise'> } {
    mechanismStorageIndex(netuid, mechanismId)
    if (mechanismId === 0) return { label: `SubtensorModule.${snake(plain)} on subnet ${netuid}`, tx: this.#tx('subtensorModule', plain)(netuid, ...args) }
    return { label: `SubtensorModule.${snake(mechanism)} on subnet ${netuid} mechanism ${mechanismId}`, tx: this.#tx('subtensorModule', mechanism)(netuid, mechanismId, ...args) }
  }

  async setWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint, mechanismId = 0): Promise<TxReceipt> {
    checkWeightsArgs(netuid, uids, values, versionKey)
    this.#signer()
    const key = versionKey ?? (await this.weightsPolicy(netuid)).versionKey
    const c = this.#weightsCall('setWeights', 'setMechanismWeights', netuid, mechanismId, uids, values, key)
    return this.#submit(c.label, c.tx)
  }

  async commitWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint, mechanismId = 0): Promise<PendingReveal & { receipt: TxReceipt }> {
    checkWeightsArgs(netuid, uids, values, versionKey)
    const hotkey = this.#signer().address
    if (!this.#store) throw new ChainRequestError('commitWeights needs a stateDir to keep the pending reveal in')
    const key = versionKey ?? (await this.weightsPolicy(netuid)).versionKey
    const store = this.#store
    return commitAndRecord({
      store, genesisHash: this.genesisHash, hotkey, netuid, mechanismId, uids, values, versionKey: key,
      submit: (commitHash) => {
        const c = this.#weightsCall('commitWeights', 'commitMechanismWeights', netuid, mechanismId, commitHash)
        return this.#submit(c.label, c.tx)
      },
    })
  }

  async commitTimelockedWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint, mechanismId = 0): Promise<TimelockedCommit> {
    checkWeightsArgs(netuid, uids, values, versionKey)
    const hotkey = this.#signer().address
    if (!this.runtime.timelockedWeights) throw new ChainRequestError(`the runtime (spec ${this.runtime.specVersion}) has no commit_timelocked_weights`)
    const { state, policy } = await this.#read(`reading the epoch of subnet ${netuid}`, async () => {
      const head = await this.#epochAt(netuid)
      return { state: head.state, policy: await reads.readWeightsPolicy(head.at, netuid, this.runtime) }
    })
    const key = versionKey ?? policy.versionKey
    const { revealRound, revealBlock } = timelockRevealRound(state, policy.revealPeriodEpochs, { nowSeconds: this.#now() / 1000, blockSeconds: this.#blockSeconds })
    const commit = encryptTimelockedWeights({ hotkey, uids, values, versionKey: key, revealRound })
    const c = this.#weightsCall('commitTimelockedWeights', 'commitTimelockedMechanismWeights', netuid, mechanismId, u8aToHex(commit), revealRound, policy.commitRevealVersion)
    const receipt = await this.#submit(c.label, c.tx)
    return { receipt, revealRound, revealBlock, commitRevealVersion: policy.commitRevealVersion }
  }

  async revealPendingWeights(netuid: number): Promise<RevealOutcome[]> {
    const hotkey = this.#signer().address
    if (!this.#store) throw new ChainRequestError('revealPendingWeights needs the stateDir the commits were kept in')
    return revealDue({
      store: this.#store, genesisHash: this.genesisHash, hotkey, netuid,
      schedule: async () => {
        const { head, policy } = await this.#read(`reading the weights policy of subnet ${netuid}`, async () => {
          const head = await this.#epochAt(netuid)
          return { head, policy: await reads.readWeightsPolicy(head.at, netuid, this.runtime) }
        })
        return {
          epoch: head.state, revealPeriodEpochs: policy.revealPeriodEpochs,
          onChain: (mechanismId) => this.#read(`reading weight commits on subnet ${netuid}`, () => reads.readWeightCommits(head.at, head.state, hotkey, mechanismId, this.runtime)),
        }
      },
      reveal: (p) => {
        const c = this.#weightsCall('revealWeights', 'revealMechanismWeights', netuid, p.mechanismId ?? 0, p.uids, p.values, p.salt, BigInt(p.versionKey))
        return this.#submit(c.label, c.tx)
      },
    })
  }

  async close(): Promise<void> {
    await this.#api.disconnect()
  }
}
