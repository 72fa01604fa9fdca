/**
 * Putting weights on chain when the subnet's rules allow it: once per epoch, not sooner
 * than the rate limit after this validator's last update, through commit-reveal when the
 * subnet has it on (the reveal happens in a later epoch, from the pending-reveals file,
 * even after a restart). A refusal is an outcome to report, not an exception.
 */
import type { Chain, Neuron, TxReceipt, WeightsPolicy } from '../chain/index.js'
import type { U16Weights } from '../scoring/index.js'
import { describeError } from './miner-run.js'

export type SendOutcome =
  | { status: 'set' | 'committed'; receipt: TxReceipt }
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
  try {
    if (i.policy.commitRevealEnabled) {
      const c = await i.chain.commitWeights(i.netuid, i.weights.uids, i.weights.values, i.policy.versionKey)
      return { status: 'committed', receipt: c.receipt }
    }
    return { status: 'set', receipt: await i.chain.setWeights(i.netuid, i.weights.uids, i.weights.values, i.policy.versionKey) }
  } catch (err) {
    return { status: 'failed', reason: describeError(err) }
  }
}
