/** Committing weights and revealing stored commits when their epoch comes; shared by both Chain implementations. */
import { revealTiming, revealWindow } from './epoch.js'
import { ChainDispatchError, ChainRequestError } from './errors.js'
import type { PendingRevealStore } from './pending-reveals.js'
import type { PendingReveal, RevealOutcome, TxReceipt, WeightsPolicy } from './types.js'
import { randomSalt, weightsCommitHash } from './weights-hash.js'

export interface CommitContext {
  store: PendingRevealStore
  genesisHash: string
  hotkey: string
  netuid: number
  uids: number[]
  values: number[]
  versionKey: bigint
  /** Sends commit_weights with this hash; resolves once included. */
  submit(commitHash: string): Promise<TxReceipt>
}

/** Commits the salted hash of the weights, then keeps what the reveal needs on disk. */
export async function commitAndRecord(c: CommitContext): Promise<PendingReveal & { receipt: TxReceipt }> {
  const salt = randomSalt()
  const commitHash = weightsCommitHash({ hotkey: c.hotkey, netuid: c.netuid, uids: c.uids, values: c.values, salt, versionKey: c.versionKey })
  const receipt = await c.submit(commitHash)
  const pending: PendingReveal = {
    genesisHash: c.genesisHash, hotkey: c.hotkey, netuid: c.netuid, commitHash, commitBlock: receipt.blockNumber,
    uids: [...c.uids], values: [...c.values], salt, versionKey: c.versionKey.toString(),
  }
  await c.store.add(pending)
  return { ...pending, receipt }
}

export interface RevealContext {
  store: PendingRevealStore
  genesisHash: string
  hotkey: string
  netuid: number
  /** Head block; a reveal sent now executes in the next one. */
  block: number
  policy: WeightsPolicy
  /** The hotkey's commits as the chain holds them: hash and commit block. */
  onChain: ReadonlyArray<{ hash: string; commitBlock: number }>
  reveal(entry: PendingReveal): Promise<TxReceipt>
}

export async function revealDue(ctx: RevealContext): Promise<RevealOutcome[]> {
  const { netuid, policy } = ctx
  const mine = (await ctx.store.list())
    .filter((p) => p.genesisHash === ctx.genesisHash && p.hotkey === ctx.hotkey && p.netuid === netuid)
    .sort((a, b) => a.commitBlock - b.commitBlock)
  const chainBlock = new Map(ctx.onChain.map((c) => [c.hash, c.commitBlock]))
  const outcomes: RevealOutcome[] = []
  const drop: string[] = []
  for (const p of mine) {
    const commitHash = p.commitHash
    const commitBlock = chainBlock.get(commitHash)
    const timing = revealTiming(netuid, policy.tempo, policy.revealPeriodEpochs, commitBlock ?? p.commitBlock, ctx.block + 1)
    if (commitBlock === undefined || timing === 'expired') {
      drop.push(commitHash)
      outcomes.push(
        timing === 'expired'
          ? { status: 'expired', commitHash }
          : { status: 'failed', commitHash, error: new ChainRequestError(`weight commit ${commitHash} is not on chain (already revealed or never included)`) },
      )
      continue
    }
    if (timing === 'early') {
      const revealFrom = revealWindow(netuid, policy.tempo, policy.revealPeriodEpochs, commitBlock).firstBlock
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
