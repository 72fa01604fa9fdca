/**
 * Putting weights on chain when the subnet's rules allow it: once per epoch, not sooner
 * than the rate limit after this validator's last update, by the path the chain state calls
 * for (see weightsPath). A refusal is an outcome to report, not an exception.
 */
import type { Logger } from 'pino'

import type { Chain, Neuron, RevealOutcome, TxReceipt, WeightsPolicy } from '../chain/index.js'
import type { U16Weights } from '../scoring/index.js'
import { describeError } from './miner-run.js'

/** --weights.commit_reveal: `auto` follows the chain; `hash` keeps the salted-hash commit and reveal on a commit-reveal subnet. */
export type CommitRevealPreference = 'auto' | 'hash'

export interface WeightsSettings {
  commitReveal?: CommitRevealPreference
  /** Set the weights of this subnet mechanism (the mechanism variants of the calls); default 0, the main one. */
  mechanismId?: number
}

export type WeightsPath = 'set_weights' | 'commit_timelocked_weights' | 'commit_weights'

/**
 * Commit-reveal off: set_weights (the only call the chain accepts). On, with
 * CommitRevealWeightsVersion 4: a timelocked commit the chain reveals by itself, as every
 * current SDK sends. On otherwise, or by preference: a hash commit revealed in a later epoch
 * from the pending-reveals file.
 */
export function weightsPath(policy: WeightsPolicy, preference: CommitRevealPreference = 'auto'): WeightsPath {
  if (!policy.commitRevealEnabled) return 'set_weights'
  if (preference === 'hash' || policy.commitRevealVersion !== 4) return 'commit_weights'
  return 'commit_timelocked_weights'
}

export type SendOutcome =
  | {
      status: 'set' | 'committed'
      via: WeightsPath
      receipt: TxReceipt
      /** For a timelocked commit: the drand round the chain reveals it at, and the block that is expected in. */
      revealRound?: number
      revealBlock?: number
    }
  | { status: 'skipped' | 'failed'; reason: string }

export interface SendWeightsInput {
  chain: Chain
  netuid: number
  weights: U16Weights
  policy: WeightsPolicy
  /** This validator's neuron, when registered. */
  me: Neuron | undefined
  block: number
  alreadySentThisEpoch: boolean
  settings?: WeightsSettings
}

export async function sendWeights(i: SendWeightsInput): Promise<SendOutcome> {
  if (!i.chain.hotkey) return { status: 'skipped', reason: 'no hotkey to sign with' }
  if (!i.me) return { status: 'skipped', reason: `hotkey ${i.chain.hotkey} is not registered on subnet ${i.netuid}` }
  if (i.alreadySentThisEpoch) return { status: 'skipped', reason: 'weights already sent this epoch' }
  if (i.weights.uids.length === 0) return { status: 'skipped', reason: 'no weights to send' }
  const since = i.block - i.me.lastUpdate
  if (i.me.lastUpdate !== 0 && since < i.policy.rateLimit) {
    return { status: 'skipped', reason: `rate limit: last update ${since} blocks ago, the subnet allows one every ${i.policy.rateLimit}` }
  }
  const { uids, values } = i.weights
  const mechanism = i.settings?.mechanismId ?? 0
  const via = weightsPath(i.policy, i.settings?.commitReveal)
  try {
    if (via === 'commit_timelocked_weights') {
      const c = await i.chain.commitTimelockedWeights(i.netuid, uids, values, i.policy.versionKey, mechanism)
      return { status: 'committed', via, receipt: c.receipt, revealRound: Number(c.revealRound), revealBlock: c.revealBlock }
    }
    if (via === 'commit_weights') {
      const c = await i.chain.commitWeights(i.netuid, uids, values, i.policy.versionKey, mechanism)
      return { status: 'committed', via, receipt: c.receipt }
    }
    return { status: 'set', via, receipt: await i.chain.setWeights(i.netuid, uids, values, i.policy.versionKey, mechanism) }
  } catch (err) {
    return { status: 'failed', reason: describeError(err) }
  }
}

/** Reveals this validator's weight commits whose epoch has come; each outcome is logged, failures never thrown. */
export async function revealPending(chain: Chain, netuid: number, log: Logger): Promise<RevealOutcome[]> {
  if (!chain.hotkey) return []
  try {
    const outcomes = await chain.revealPendingWeights(netuid)
    for (const o of outcomes) {
      const level = o.status === 'failed' ? 'warn' : o.status === 'waiting' ? 'debug' : 'info'
      log[level]({ commitHash: o.commitHash, status: o.status, ...(o.status === 'failed' ? { err: describeError(o.error) } : {}) }, 'weight reveal')
    }
    return outcomes
  } catch (err) {
    log.warn({ err: describeError(err) }, 'could not reveal pending weights')
    return []
  }
}
