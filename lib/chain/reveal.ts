/** Committing weight hashes and revealing stored commits when their epoch comes; shared by both Chain implementations. */
import { firstBlockOfEpoch, revealTiming, type EpochState } from './epoch.js'
import { ChainDispatchError, ChainRequestError } from './errors.js'
import type { PendingRevealStore } from './pending-reveals.js'
import type { PendingReveal, RevealOutcome, TxReceipt } from './types.js'
import { mechanismStorageIndex } from './weights.js'
import { randomSalt, weightsCommitHash } from './weights-hash.js'

export interface CommitContext {
  store: PendingRevealStore
  genesisHash: string
  hotkey: string
  netuid: number
  mechanismId: number
  uids: number[]
  values: number[]
  versionKey: bigint
  /** Sends commit_weights (or commit_mechanism_weights) with this hash; resolves once included. */
  submit(commitHash: string): Promise<TxReceipt>
}

/** Commits the salted hash of the weights, then keeps what the reveal needs on disk. */
export async function commitAndRecord(c: CommitContext): Promise<PendingReveal & { receipt: TxReceipt }> {
  const salt = randomSalt()
  const commitHash = weightsCommitHash({
    hotkey: c.hotkey, netuid: mechanismStorageIndex(c.netuid, c.mechanismId), uids: c.uids, values: c.values, salt, versionKey: c.versionKey,
  })
  const receipt = await c.submit(commitHash)
  const pending: PendingReveal = {
    genesisHash: c.genesisHash, hotkey: c.hotkey, netuid: c.netuid, commitHash, commitBlock: receipt.blockNumber,
    uids: [...c.uids], values: [...c.values], salt, versionKey: c.versionKey.toString(), ...(c.mechanismId ? { mechanismId: c.mechanismId } : {}),
  }
  await c.store.add(pending)
  return { ...pending, receipt }
}

/** A hash commit as the chain holds it, in either WeightCommits layout. */
export interface OnChainCommit {
  hash: string
  /** The epoch the commit was made in: stored by stateful runtimes, computed from the block on legacy ones. */
  commitEpoch: number
  commitBlock: number
}

export interface RevealContext {
  store: PendingRevealStore
  genesisHash: string
  hotkey: string
  netuid: number
  /** Read only when this hotkey has a pending commit here (with timelocked commits, mostly none). */
  schedule(): Promise<RevealSchedule>
  reveal(entry: PendingReveal): Promise<TxReceipt>
}

export interface RevealSchedule {
  /** The subnet's schedule at the head block; a reveal sent now executes in the next one. */
  epoch: EpochState
  revealPeriodEpochs: number
  /** The hotkey's commits on chain for one mechanism of the subnet. */
  onChain(mechanismId: number): Promise<OnChainCommit[]>
}

export async function revealDue(ctx: RevealContext): Promise<RevealOutcome[]> {
  const mine = (await ctx.store.list())
    .filter((p) => p.genesisHash === ctx.genesisHash && p.hotkey === ctx.hotkey && p.netuid === ctx.netuid)
    .sort((a, b) => a.commitBlock - b.commitBlock)
  if (mine.length === 0) return []
  const schedule = await ctx.schedule()
  const chains = new Map<number, Map<string, OnChainCommit>>()
  for (const mechanism of new Set(mine.map((p) => p.mechanismId ?? 0))) {
    chains.set(mechanism, new Map((await schedule.onChain(mechanism)).map((c) => [c.hash, c])))
  }
  const outcomes: RevealOutcome[] = []
  const drop: string[] = []
  for (const p of mine) {
    const commitHash = p.commitHash
    const onChain = chains.get(p.mechanismId ?? 0)!.get(commitHash)
    if (onChain === undefined) {
      drop.push(commitHash)
      outcomes.push({ status: 'failed', commitHash, error: new ChainRequestError(`weight commit ${commitHash} is not on chain (already revealed, expired and pruned, or never included)`) })
      continue
    }
    const timing = revealTiming(schedule.epoch, onChain.commitEpoch, schedule.revealPeriodEpochs)
    if (timing === 'expired') {
      drop.push(commitHash)
      outcomes.push({ status: 'expired', commitHash })
      continue
    }
    if (timing === 'early') {
      const revealFrom = firstBlockOfEpoch(schedule.epoch, onChain.commitEpoch + schedule.revealPeriodEpochs) ?? Number.POSITIVE_INFINITY
      outcomes.push({ status: 'waiting', commitHash, revealFrom })
      continue
    }
    try {
      outcomes.push({ status: 'revealed', commitHash, receipt: await ctx.reveal(p) })
      drop.push(commitHash)
    } catch (err) {
      // A refused reveal will not succeed later, except one that raced the epoch boundary.
      if (err instanceof ChainDispatchError && err.error !== 'RevealTooEarly') drop.push(commitHash)
      outcomes.push({ status: 'failed', commitHash, error: err as Error })
    }
  }
  if (drop.length) await ctx.store.remove(drop)
  return outcomes
}
