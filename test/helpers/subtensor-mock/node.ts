// A subtensor node in miniature for tests: JSON-RPC over WebSocket on 127.0.0.1 (random
// port), real metadata and codec, instant sealing (one block per extrinsic), events in
// System.Events, signature and nonce checks. Tests can drop or stall connections.
import type { AddressInfo } from 'node:net'

import type { Codec } from '@polkadot/types/types'
import { bnToU8a, compactToU8a, hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2AsHex, encodeAddress } from '@polkadot/util-crypto'
import { WebSocketServer, type WebSocket } from 'ws'

import { Codecs, SPEC_VERSIONS, type Generation } from './codec.js'
import * as rt from './runtime.js'
import { decodeExtrinsic, type DecodedExtrinsic } from './verify.js'

interface Block {
  number: number
  hash: string
  parentHash: string
  extrinsicsRoot: string
  extrinsics: string[]
  state: Map<string, string>
}

const ZERO = `0x${'00'.repeat(32)}`
const TX_VERSION = 1
const METHODS = [
  'rpc_methods', 'system_chain', 'system_properties', 'system_health', 'system_accountNextIndex',
  'chain_getBlockHash', 'chain_getHeader', 'chain_getBlock', 'chain_getFinalizedHead',
  'state_getRuntimeVersion', 'state_subscribeRuntimeVersion', 'state_unsubscribeRuntimeVersion',
  'state_getMetadata', 'state_getStorage', 'state_getKeysPaged', 'state_queryStorageAt', 'state_call',
  'author_submitAndWatchExtrinsic', 'author_unwatchExtrinsic',
]

export interface Included {
  hex: string
  decoded: DecodedExtrinsic
  block: number
  error: string | null
}

export interface MockOptions {
  /** Which runtime generation to serve (see codec.ts). Default legacy (spec 346). */
  generation?: Generation
}

export class MockSubtensor {
  readonly codecs: Codecs
  readonly state: rt.State
  readonly specVersion: number
  /** drand pulses stored on chain (round → signature); storePulse adds one. */
  readonly pulses: rt.Pulses = new Map()
  readonly #subnets = new Map<number, { mechanisms: number[] }>()
  readonly blocks: Block[] = []
  readonly included: Included[] = []
  /** Counts of requests by method, for tests that check what was asked. */
  readonly requests = new Map<string, number>()
  #nonces = new Map<string, number>()
  #server!: WebSocketServer
  #sockets = new Set<WebSocket>()
  #nextSub = 1
  #dropOn = new Set<string>()
  #stallOn = new Set<string>()
  url = ''

  private constructor(generation: Generation) {
    this.codecs = new Codecs(generation)
    this.state = new rt.State(this.codecs)
    this.specVersion = SPEC_VERSIONS[generation]
  }

  static async start(options: MockOptions = {}): Promise<MockSubtensor> {
    const node = new MockSubtensor(options.generation ?? 'legacy')
    node.state.set('commitments', 'maxSpace', [], 3100)
    node.#seal([])
    await node.#listen()
    return node
  }

  get head(): Block {
    return this.blocks[this.blocks.length - 1]!
  }

  get genesisHash(): string {
    return this.blocks[0]!.hash
  }

  addSubnet(netuid: number, p: Partial<rt.SubnetParams> = {}): void {
    rt.addSubnet(this.state, netuid, {
      tempo: 360, rateLimit: 100, versionKey: 0n, commitReveal: false, revealPeriodEpochs: 1, minAllowedWeights: 1, ...p,
    }, this.head.number)
    this.#subnets.set(netuid, { mechanisms: [0] })
  }

  /** Gives the subnet `count` mechanisms (MechanismCountCurrent), as its owner would. */
  setMechanismCount(netuid: number, count: number): void {
    this.state.set('subtensorModule', 'mechanismCountCurrent', [netuid], count)
    this.#subnets.set(netuid, { mechanisms: Array.from({ length: count }, (_, i) => i) })
  }

  /** Stores the drand pulse of `round`, as the Drand pallet's offchain worker would. */
  storePulse(round: bigint, signatureHex: string): void {
    this.pulses.set(round, signatureHex)
    const last = (this.state.get<Codec & { toBigInt(): bigint }>('drand', 'lastStoredRound')?.toBigInt() ?? 0n)
    if (round > last) this.state.set('drand', 'lastStoredRound', [], round)
  }

  /** The weights of `uid` on `netuid` (and mechanism) as applied on chain: (uid, u16) pairs. */
  weightsOf(netuid: number, uid: number, mechanism = 0): Array<[number, number]> {
    const v = this.state.get('subtensorModule', 'weights', rt.storageIndex(netuid, mechanism), uid)
    return ((v?.toPrimitive() ?? []) as Array<[number, number]>).map(([a, b]) => [Number(a), Number(b)])
  }

  /** Changes subnet hyperparameters in place, as sudo would; `pendingEpochAt` is the owner triggering an epoch (stateful runtimes). */
  setSubnetParams(netuid: number, p: Partial<rt.SubnetParams> & { pendingEpochAt?: number; commitRevealVersion?: number }): void {
    const SM = 'subtensorModule'
    if (p.pendingEpochAt !== undefined) this.state.set(SM, 'pendingEpochAt', [netuid], p.pendingEpochAt)
    if (p.commitRevealVersion !== undefined) this.state.set(SM, 'commitRevealWeightsVersion', [], p.commitRevealVersion)
    if (p.tempo !== undefined) this.state.set(SM, 'tempo', [netuid], p.tempo)
    if (p.rateLimit !== undefined) this.state.set(SM, 'weightsSetRateLimit', [netuid], p.rateLimit)
    if (p.versionKey !== undefined) this.state.set(SM, 'weightsVersionKey', [netuid], p.versionKey)
    if (p.commitReveal !== undefined) this.state.set(SM, 'commitRevealWeightsEnabled', [netuid], p.commitReveal)
    if (p.revealPeriodEpochs !== undefined) this.state.set(SM, 'revealPeriodEpochs', [netuid], p.revealPeriodEpochs)
    if (p.minAllowedWeights !== undefined) this.state.set(SM, 'minAllowedWeights', [netuid], p.minAllowedWeights)
  }

  register(netuid: number, hotkey: string, opts: { validatorPermit?: boolean; stake?: bigint } = {}): number {
    return rt.register(this.state, netuid, hotkey, this.head.number, { validatorPermit: opts.validatorPermit ?? false, stake: opts.stake ?? 0n })
  }

  produceBlocks(count: number): void {
    for (let i = 0; i < count; i++) this.#seal([])
  }

  /** Closes every client connection now (the server keeps listening). */
  dropConnections(): void {
    for (const ws of this.#sockets) ws.terminate()
  }

  /** Closes the connection when the next request of `method` arrives, without answering it. */
  dropOnNext(method: string): void {
    this.#dropOn.add(method)
  }

  /** Never answers requests of `method` until `resume`. */
  stall(method: string): void {
    this.#stallOn.add(method)
  }

  resume(method: string): void {
    this.#stallOn.delete(method)
  }

  async close(): Promise<void> {
    this.dropConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #listen(): Promise<void> {
    this.#server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve) => this.#server.once('listening', () => resolve()))
    this.url = `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    this.#server.on('connection', (ws) => {
      this.#sockets.add(ws)
      ws.on('close', () => this.#sockets.delete(ws))
      ws.on('message', (data) => this.#onMessage(ws, String(data)))
    })
  }

  #onMessage(ws: WebSocket, text: string): void {
    const req = JSON.parse(text) as { id: number; method: string; params: unknown[] }
    this.requests.set(req.method, (this.requests.get(req.method) ?? 0) + 1)
    if (this.#dropOn.delete(req.method)) return void ws.terminate()
    if (this.#stallOn.has(req.method)) return
    const reply = (body: object) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, ...body }))
    try {
      if (req.method === 'author_submitAndWatchExtrinsic') return this.#submit(ws, req.params[0] as string, reply)
      if (req.method === 'state_subscribeRuntimeVersion') {
        const sub = this.#nextSub++
        reply({ result: sub })
        this.#notify(ws, 'state_runtimeVersion', sub, this.#runtimeVersion())
        return
      }
      reply({ result: this.#handle(req.method, req.params ?? []) })
    } catch (err) {
      reply({ error: { code: (err as { code?: number }).code ?? -32000, message: (err as Error).message } })
    }
  }

  #notify(ws: WebSocket, method: string, subscription: number, result: unknown): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ jsonrpc: '2.0', method, params: { subscription, result } }))
  }

  #block(hash: unknown): Block {
    if (hash === undefined || hash === null) return this.head
    const found = this.blocks.find((b) => b.hash === hash)
    if (!found) throw Object.assign(new Error(`unknown block ${String(hash)}`), { code: 4003 })
    return found
  }

  #stateAt(hash: unknown): Map<string, string> {
    const block = this.#block(hash)
    return block === this.head ? this.state.map : block.state
  }

  #header(b: Block) {
    return { parentHash: b.parentHash, number: `0x${b.number.toString(16)}`, stateRoot: ZERO, extrinsicsRoot: b.extrinsicsRoot, digest: { logs: [] } }
  }

  #runtimeVersion() {
    return { specName: 'node-subtensor', implName: 'node-subtensor', authoringVersion: 1, specVersion: this.specVersion, implVersion: 1, apis: [], transactionVersion: TX_VERSION, stateVersion: 1 }
  }

  #handle(method: string, p: unknown[]): unknown {
    switch (method) {
      case 'rpc_methods': return { version: 1, methods: METHODS }
      case 'system_chain': return 'Bittensor'
      case 'system_properties': return { ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' }
      case 'system_health': return { peers: 0, isSyncing: false, shouldHavePeers: false }
      case 'system_accountNextIndex': return this.#nonces.get(p[0] as string) ?? 0
      case 'chain_getBlockHash': return p[0] === undefined || p[0] === null ? this.head.hash : this.blocks[Number(p[0])]?.hash ?? null
      case 'chain_getHeader': return this.#header(this.#block(p[0]))
      case 'chain_getFinalizedHead': return this.head.hash
      case 'chain_getBlock': {
        const b = this.#block(p[0])
        return { block: { header: this.#header(b), extrinsics: b.extrinsics }, justifications: null }
      }
      case 'state_getRuntimeVersion': return this.#runtimeVersion()
      case 'state_unsubscribeRuntimeVersion': return true
      case 'author_unwatchExtrinsic': return true
      case 'state_getMetadata': return this.codecs.metadataHex
      case 'state_getStorage': return this.#stateAt(p[1]).get(p[0] as string) ?? null
      case 'state_getKeysPaged': {
        const [prefix, count, start] = p as [string, number, string | undefined]
        return [...this.#stateAt(p[3]).keys()].filter((k) => k.startsWith(prefix) && (!start || k > start)).sort().slice(0, count)
      }
      case 'state_queryStorageAt': {
        const state = this.#stateAt(p[1])
        const at = this.#block(p[1]).hash
        return [{ block: at, changes: (p[0] as string[]).map((k) => [k, state.get(k) ?? null]) }]
      }
      case 'state_call': {
        if (p[0] !== 'AccountNonceApi_account_nonce') throw Object.assign(new Error(`runtime api ${String(p[0])} is not served by the mock`), { code: -32000 })
        const who = encodeAddress(hexToU8a(p[1] as string), 42)
        return u8aToHex(bnToU8a(this.#nonces.get(who) ?? 0, { bitLength: 32 }))
      }
      default: throw Object.assign(new Error(`Method not found: ${method}`), { code: -32601 })
    }
  }

  #submit(ws: WebSocket, hex: string, reply: (body: object) => void): void {
    let decoded: DecodedExtrinsic
    try {
      decoded = decodeExtrinsic(this.codecs, hex, {
        genesisHash: this.genesisHash, specVersion: this.specVersion, transactionVersion: TX_VERSION,
        blockHash: (n) => this.blocks[n]?.hash, head: this.head.number,
      })
    } catch (err) {
      return reply({ error: { code: 1002, message: `Verification Error: ${(err as Error).message}` } })
    }
    if (!decoded.signatureValid) return reply({ error: { code: 1010, message: 'Invalid Transaction: Transaction has a bad signature' } })
    const expected = this.#nonces.get(decoded.signer) ?? 0
    if (decoded.nonce !== expected) {
      return reply({ error: { code: 1010, message: `Invalid Transaction: Transaction is ${decoded.nonce < expected ? 'outdated' : 'future'}` } })
    }
    this.#nonces.set(decoded.signer, expected + 1)
    const sub = this.#nextSub++
    reply({ result: sub })
    this.#notify(ws, 'author_extrinsicUpdate', sub, 'ready')
    let sealed: { block: Block; error: string | null }
    try {
      sealed = this.#seal([{ hex, decoded }])
    } catch (err) {
      // A call the mock cannot run: tell the client at once instead of leaving it waiting.
      this.#notify(ws, 'author_extrinsicUpdate', sub, 'invalid')
      throw err
    }
    const { block, error } = sealed
    this.included.push({ hex, decoded, block: block.number, error })
    this.#notify(ws, 'author_extrinsicUpdate', sub, { inBlock: block.hash })
    this.#notify(ws, 'author_extrinsicUpdate', sub, { finalized: block.hash })
  }

  /** Seals the next block with at most one extrinsic; a failed dispatch leaves storage untouched. */
  #seal(xts: Array<{ hex: string; decoded: DecodedExtrinsic }>): { block: Block; error: string | null } {
    const number = this.blocks.length
    const parentHash = number === 0 ? ZERO : this.head.hash
    let error: string | null = null
    const events: Uint8Array[] = []
    // on_initialize: the block step of every subnet runs before the block's extrinsics
    for (const [netuid, { mechanisms }] of this.#subnets) {
      rt.blockStep(this.state, netuid, number, this.pulses, mechanisms)
      rt.revealCommitments(this.state, netuid, number, this.pulses, this.#hotkeys(netuid))
    }
    xts.forEach(({ decoded }, index) => {
      const trial = new rt.State(this.codecs, new Map(this.state.map))
      try {
        this.#dispatch(trial, decoded, number)
        for (const [k, v] of trial.map) this.state.map.set(k, v)
        for (const k of this.state.map.keys()) if (!trial.map.has(k)) this.state.map.delete(k)
        events.push(this.#eventRecord(index, 'ExtrinsicSuccess', { dispatchInfo: dispatchInfo() }))
      } catch (err) {
        if (!(err instanceof rt.ModuleError)) throw err
        error = err.errorName
        const mod = { index: this.codecs.palletIndex(pascal(err.section)), error: u8aToHex(new Uint8Array([this.codecs.errorIndex(err.section, err.errorName), 0, 0, 0])) }
        events.push(this.#eventRecord(index, 'ExtrinsicFailed', { dispatchError: { Module: mod }, dispatchInfo: dispatchInfo() }))
      }
    })
    this.state.set('system', 'number', [], number)
    this.state.map.set(this.codecs.key('system', 'events'), u8aToHex(u8aConcat(compactToU8a(events.length), ...events)))
    const extrinsics = xts.map((x) => x.hex)
    const extrinsicsRoot = blake2AsHex(u8aConcat(...extrinsics.map((x) => hexToU8a(x))), 256)
    // A block's hash is the hash of its encoded header, as the api computes it.
    const hash = this.codecs.registry
      .createType('Header', { parentHash, number, stateRoot: ZERO, extrinsicsRoot, digest: { logs: [] } })
      .hash.toHex()
    const block: Block = { number, hash, parentHash, extrinsicsRoot, extrinsics, state: new Map(this.state.map) }
    this.blocks.push(block)
    return { block, error }
  }

  #dispatch(s: rt.State, d: DecodedExtrinsic, block: number): void {
    const a = d.ext.method.args as unknown as Codec[]
    const nums = (c: Codec) => (c.toPrimitive() as number[]).map(Number)
    const call = `${d.pallet}.${d.call}`
    if (call === 'commitments.setCommitment') return rt.setCommitment(s, d.signer, block, Number(a[0]!.toPrimitive()), a[1] as never)
    if (call === 'subtensorModule.setWeights') {
      return rt.setWeights(s, d.signer, block, Number(a[0]!.toPrimitive()), nums(a[1]!), nums(a[2]!), BigInt(a[3]!.toString()))
    }
    if (call === 'subtensorModule.commitWeights') return rt.commitWeights(s, d.signer, block, Number(a[0]!.toPrimitive()), a[1]!.toHex())
    if (call === 'subtensorModule.revealWeights') {
      return rt.revealWeights(s, d.signer, block, Number(a[0]!.toPrimitive()), nums(a[1]!), nums(a[2]!), nums(a[3]!), BigInt(a[4]!.toString()))
    }
    const int = (c: Codec) => Number(c.toPrimitive())
    const bytes = (c: Codec) => u8aToHex((c as Codec & { toU8a(bare: boolean): Uint8Array }).toU8a(true))
    if (call === 'subtensorModule.commitTimelockedWeights') {
      return rt.commitTimelockedWeights(s, d.signer, block, int(a[0]!), bytes(a[1]!), BigInt(a[2]!.toString()), int(a[3]!))
    }
    if (call === 'subtensorModule.setMechanismWeights') {
      return rt.setWeights(s, d.signer, block, int(a[0]!), nums(a[2]!), nums(a[3]!), BigInt(a[4]!.toString()), false, int(a[1]!))
    }
    if (call === 'subtensorModule.commitMechanismWeights') return rt.commitWeights(s, d.signer, block, int(a[0]!), a[2]!.toHex(), int(a[1]!))
    if (call === 'subtensorModule.revealMechanismWeights') {
      return rt.revealWeights(s, d.signer, block, int(a[0]!), nums(a[2]!), nums(a[3]!), nums(a[4]!), BigInt(a[5]!.toString()), int(a[1]!))
    }
    if (call === 'subtensorModule.commitTimelockedMechanismWeights') {
      return rt.commitTimelockedWeights(s, d.signer, block, int(a[0]!), bytes(a[2]!), BigInt(a[3]!.toString()), int(a[4]!), int(a[1]!))
    }
    throw new Error(`the mock does not dispatch ${call}`)
  }

  #hotkeys(netuid: number): string[] {
    const count = Number(this.state.get('subtensorModule', 'subnetworkN', netuid)?.toPrimitive() ?? 0)
    return Array.from({ length: count }, (_, uid) => String(this.state.get('subtensorModule', 'keys', netuid, uid)?.toString()))
  }

  #eventRecord(index: number, name: 'ExtrinsicSuccess' | 'ExtrinsicFailed', args: Record<string, unknown>): Uint8Array {
    const event = this.codecs.decorated.events.system![name]!
    const fields = event.meta.fields.map((f) => this.codecs.registry.createType(this.codecs.registry.createLookupType(f.type), args[camel(f.name.unwrap().toString())]).toU8a())
    const phase = u8aConcat(new Uint8Array([0]), bnToU8a(index, { bitLength: 32 }))
    return u8aConcat(phase, new Uint8Array([this.codecs.palletIndex('System'), event.meta.index.toNumber()]), ...fields, compactToU8a(0))
  }
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())
const dispatchInfo = () => ({ weight: { refTime: 1_000_000, proofSize: 0 }, class: 'Normal', paysFee: 'Yes' })
