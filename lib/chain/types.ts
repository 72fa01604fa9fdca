/** What the miner and validator ask of a chain, whichever implementation they hold. */

export interface BlockRef {
  number: number
  /** 0x-prefixed 32-byte hash. */
  hash: string
}

export interface EpochInfo {
  block: number
  tempo: number
  /** Blocks until this subnet's next epoch step, by subtensor's formula. */
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
}

/** A commitment as stored on chain. `text` is null when the fields are not raw UTF-8 bytes. */
export interface CommitmentRecord {
  hotkey: string
  block: number
  text: string | null
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
  publishCommitment(netuid: number, text: string): Promise<TxReceipt>
  /** The commitment space `hotkey` (default: the signer) has used this epoch, and its deposit. */
  commitmentSpace(netuid: number, hotkey?: string): Promise<CommitmentSpace>
  /** `values` are u16 weights; `versionKey` defaults to the subnet's current key. */
  setWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint): Promise<TxReceipt>
  /** Commits the hash of the weights and records what is needed to reveal them on disk. */
  commitWeights(netuid: number, uids: number[], values: number[], versionKey?: bigint): Promise<PendingReveal & { receipt: TxReceipt }>
  /** Reveals every pending commit of this hotkey on `netuid` whose reveal epoch has come; drops expired ones. */
  revealPendingWeights(netuid: number): Promise<RevealOutcome[]>
  close(): Promise<void>
}
