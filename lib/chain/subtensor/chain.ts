/** The Chain interface over a subtensor node through @polkadot/api. */
import { join } from 'node:path'

import type { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiDecoration, SubmittableExtrinsic } from '@polkadot/api/types'
import type { Header } from '@polkadot/types/interfaces'
import { u8aToHex } from '@polkadot/util'

import { textToFields } from '../commitment-fields.js'
import { blocksUntilNextEpoch } from '../epoch.js'
import { ChainConnectionError, ChainRequestError } from '../errors.js'
import { resolveEndpoint } from '../networks.js'
import { PendingRevealStore } from '../pending-reveals.js'
import { commitAndRecord, revealDue } from '../reveal.js'
import type { BlockRef, Chain, CommitmentRecord, CommitmentSpace, EpochInfo, Metagraph, PendingReveal, RevealOutcome, TxReceipt, WeightsPolicy } from '../types.js'
import type { Hotkey } from '../wallet.js'
import { checkWeightsArgs } from '../weights.js'
import { openApi, waitForConnection, withTimeout } from './connection.js'
import { classifyError } from './errors.js'
import * as reads from './reads.js'
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
}

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

  private constructor(api: ApiPromise, provider: WsProvider, endpoint: string, options: SubtensorChainOptions) {
    this.#api = api
    this.#provider = provider
    this.endpoint = endpoint
    this.genesisHash = api.genesisHash.toHex()
    this.#hotkey = options.hotkey
    this.#store = options.stateDir ? new PendingRevealStore(join(options.stateDir, 'pending-reveals.json')) : undefined
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#txTimeoutMs = options.txTimeoutMs ?? 120_000
    this.#retries = options.readRetries ?? 2
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

  epoch(netuid: number): Promise<EpochInfo> {
    return this.#read(`reading the epoch of subnet ${netuid}`, async () => {
      const { block, at } = await this.#head()
      const tempo = await reads.readTempo(at, netuid)
      return { block: block.number, tempo, blocksUntilNextEpoch: blocksUntilNextEpoch(netuid, tempo, block.number) }
    })
  }

  weightsPolicy(netuid: number): Promise<WeightsPolicy> {
    return this.#read(`reading the weights policy of subnet ${netuid}`, async () => reads.readWeightsPolicy((await this.#head()).at, netuid))
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
    return this.#read(`reading the commitments of subnet ${netuid}`, async () => reads.readCommitments((await this.#head()).at, netuid))
  }

  async commitmentOf(netuid: number, hotkey?: string): Promise<CommitmentRecord | null> {
    const who = hotkey ?? this.#signer().address
    return this.#read(`reading the commitment of ${who} on subnet ${netuid}`, async () => reads.readCommitmentOf((await this.#head()).at, netuid, who))
  }

  async publishCommitment(netuid: number, text: string): Promise<TxReceipt> {
    const fields = textToFields(text).map((bytes) => ({ [`Raw${bytes.length}`]: u8aToHex(bytes) }))
    return this.#submit(`Commitments.set_commitment on subnet ${netuid}`, this.#tx('commitments', 'setCommitment')(netuid, { fields }))
  }

  async commitmentSpace(netuid: number, hotkey?: string): Promise<CommitmentSpace> {
    const who = hotkey ?? this.#signer().address
    return this.#read(`reading the commitment space of ${who} on subnet ${netuid}`, async () => {
      const { block, at } = await this.#head()
      return reads.readCommitmentSpace(at, netuid, who, block.number)
    })
  }

  async setWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint): Promise<TxReceipt> {
    checkWeightsArgs(netuid, uids, values, versionKey)
    this.#signer()
    const key = versionKey ?? (await this.weightsPolicy(netuid)).versionKey
    return this.#submit(`SubtensorModule.set_weights on subnet ${netuid}`, this.#tx('subtensorModule', 'setWeights')(netuid, uids, values, key))
  }

  async commitWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint): Promise<PendingReveal & { receipt: TxReceipt }> {
    checkWeightsArgs(netuid, uids, values, versionKey)
    const hotkey = this.#signer().address
    if (!this.#store) throw new ChainRequestError('commitWeights needs a stateDir to keep the pending reveal in')
    const key = versionKey ?? (await this.weightsPolicy(netuid)).versionKey
    const store = this.#store
    return commitAndRecord({
      store, genesisHash: this.genesisHash, hotkey, netuid, uids, values, versionKey: key,
      submit: (commitHash) => this.#submit(`SubtensorModule.commit_weights on subnet ${netuid}`, this.#tx('subtensorModule', 'commitWeights')(netuid, commitHash)),
    })
  }

  async revealPendingWeights(netuid: number): Promise<RevealOutcome[]> {
    const hotkey = this.#signer().address
    if (!this.#store) throw new ChainRequestError('revealPendingWeights needs the stateDir the commits were kept in')
    const { block, policy, onChain } = await this.#read(`reading weight commits on subnet ${netuid}`, async () => {
      const head = await this.#head()
      const [policy, onChain] = await Promise.all([reads.readWeightsPolicy(head.at, netuid), reads.readWeightCommits(head.at, netuid, hotkey)])
      return { block: head.block.number, policy, onChain }
    })
    return revealDue({
      store: this.#store, genesisHash: this.genesisHash, hotkey, netuid, block, policy, onChain,
      reveal: (p) => this.#submit(
        `SubtensorModule.reveal_weights on subnet ${netuid}`,
        this.#tx('subtensorModule', 'revealWeights')(netuid, p.uids, p.values, p.salt, BigInt(p.versionKey)),
      ),
    })
  }

  async close(): Promise<void> {
    await this.#api.disconnect()
  }
}
