/** What the miner and validator ask of a chain, whichever implementation they hold. */
import type { EpochScheduler } from './epoch.js'

export interface BlockRef {
  number: number
  /** 0x-prefixed 32-byte hash. */
  hash: string
}

export interface EpochInfo {
  block: number
  tempo: number
  /** Which epoch scheduler the runtime runs (see epoch.ts). */
  scheduler: EpochScheduler
  /** The subnet's epoch index at `block`, as the runtime counts it. */
  index: number
  /** The block this epoch began at. */
  startBlock: number
  /** The block of the next epoch step as scheduled now (Infinity when tempo is 0). */
  nextEpochBlock: number
  /** Blocks until the next epoch begins (nextEpochBlock - block); commitment space is renewed then. */
  blocksUntilNextEpoch: number
}

export interface Neuron {
  uid: number
  hotkey: string
  validatorPermit: boolean
  /** Alpha stake on this subnet, in rao. */
  stake: bigint
  /** Block of the neuron's last weights (or weight commit); 0 when never. */
  lastUpdate: number
  registeredAt: number
}

export interface Metagraph {
  netuid: number
  block: number
  blockHash: string
  /** Ordered by uid. */
  neurons: Neuron[]
}

/** The weight-setting rules of a subnet, read at one block. */
export interface WeightsPolicy {
  rateLimit: number
  versionKey: bigint
  commitRevealEnabled: boolean
  revealPeriodEpochs: number
  tempo: number
  /** CommitRevealWeightsVersion: 4 means timelocked commits (commit_timelocked_weights); 0 when the runtime has none. */
  commitRevealVersion: number
}

/**
 * A commitment as stored on chain. `text` is null when the fields are not raw UTF-8 bytes.
 * A timelocked commitment counts once revealed, at the block it was revealed in; until then
 * commitmentOf() returns it with `text` null and the drand round that reveals it.
 */
export interface CommitmentRecord {
  hotkey: string
  block: number
  text: string | null
  /** Set while the commitment is timelocked and not revealed yet. */
  revealRound?: number
}

export interface PublishOptions {
  /** Commit the text timelocked: hidden until the drand round about this many blocks from now. */
  timelockBlocks?: number
}

/** A hotkey's commitment space on a subnet: each commitment is charged max(100, bytes) against `max` per epoch. */
export interface CommitmentSpace {
  /** Charged so far in the current epoch. */
  used: number
  /** Allowed per hotkey per epoch (the commitments pallet's MaxSpace). */
  max: number
  /** Rao held on deposit for the hotkey's current commitment; null when it has none. */
  deposit: bigint | null
}

export interface TxReceipt {
  blockHash: string
  blockNumber: number
}

/** A weight commit that still has to be revealed; kept on disk until revealed or expired. */
export interface PendingReveal {
  /** Genesis hash of the chain the commit went to, so a reveal is never sent to another chain. */
  genesisHash: string
  hotkey: string
  netuid: number
  commitHash: string
  commitBlock: number
  uids: number[]
  values: number[]
  salt: number[]
  versionKey: string
  /** The subnet mechanism the weights are for; absent for the main one (0). */
  mechanismId?: number
}

/** A timelocked weight commit: the chain decrypts and applies it once the drand pulse of `revealRound` is stored. */
export interface TimelockedCommit {
  receipt: TxReceipt
  revealRound: bigint
  /** The block the reveal is expected in, as the SDK predicts it (the round was computed for 3 blocks later). */
  revealBlock: number
  commitRevealVersion: number
}

export type RevealOutcome =
  | { status: 'revealed'; commitHash: string; receipt: TxReceipt }
  | { status: 'waiting'; commitHash: string; revealFrom: number }
  | { status: 'expired'; commitHash: string }
  | { status: 'failed'; commitHash: string; error: Error }

export interface Chain {
  /** SS58 address of the hotkey that signs, when there is one. */
  readonly hotkey: string | undefined
  readonly genesisHash: string
  currentBlock(): Promise<BlockRef>
  /** The hash of block `number` on the canonical chain (0x + 32 bytes); every node agrees on it. */
  blockHash(number: number): Promise<string>
  epoch(netuid: number): Promise<EpochInfo>
  weightsPolicy(netuid: number): Promise<WeightsPolicy>
  commitRevealEnabled(netuid: number): Promise<boolean>
  metagraph(netuid: number): Promise<Metagraph>
  /** Every commitment on the subnet, with the block it was made in. */
  commitments(netuid: number): Promise<CommitmentRecord[]>
  /** The commitment of `hotkey` (default: the signer), or null. */
  commitmentOf(netuid: number, hotkey?: string): Promise<CommitmentRecord | null>
  publishCommitment(netuid: number, text: string, options?: PublishOptions): Promise<TxReceipt>
  /** The commitment space `hotkey` (default: the signer) has used this epoch, and its deposit. */
  commitmentSpace(netuid: number, hotkey?: string): Promise<CommitmentSpace>
  /** `values` are u16 weights; `versionKey` defaults to the subnet's current key; `mechanismId` > 0 sends the mechanism variant. */
  setWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint, mechanismId?: number): Promise<TxReceipt>
  /** Commits the hash of the weights and records what is needed to reveal them on disk. */
  commitWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint, mechanismId?: number): Promise<PendingReveal & { receipt: TxReceipt }>
  /** Commits the weights timelocked to the drand round of their reveal epoch; the chain reveals them itself. */
  commitTimelockedWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint, mechanismId?: number): Promise<TimelockedCommit>
  /** Reveals every pending hash commit of this hotkey on `netuid` (any mechanism) whose reveal epoch has come; drops expired ones. */
  revealPendingWeights(netuid: number): Promise<RevealOutcome[]>
  close(): Promise<void>
}
