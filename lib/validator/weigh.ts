/**
 * The scoring step of a round: the current results of the miners on chain become
 * submissions, scoring turns them into smoothed weights (one step per epoch: a round
 * redone in the same epoch starts from the same base), the weights are recorded and,
 * when the chain allows, sent.
 */
import type { Chain, Metagraph, WeightsPolicy } from '../chain/index.js'
import type { ScoringSettings } from '../config/index.js'
import { scoreRound, type ScoreRoundResult, type Submission } from '../scoring/index.js'
import type { Candidate } from './candidates.js'
import type { EpochWindow } from './epoch-clock.js'
import { sendWeights, type SendOutcome, type WeightsSettings } from './send-weights.js'
import type { MinerResult, ResultStore, WeightsRecord } from './store/index.js'

export interface WeighInput {
  chain: Chain
  netuid: number
  store: ResultStore
  scoring: ScoringSettings
  burnUid: number
  epoch: EpochWindow
  metagraph: Metagraph
  policy: WeightsPolicy
  candidates: readonly Candidate[]
  current(c: Candidate): MinerResult | undefined
  settings?: WeightsSettings
}

export function toSubmission(c: Candidate, r: MinerResult): Submission {
  return {
    uid: c.uid, hotkey: c.hotkey, commitBlock: c.commitBlock, registeredAt: c.registeredAt,
    contentHash: r.contentHash, proofValid: r.proofValid, loss: r.loss,
    failure: r.status === 'scored' ? null : { code: r.status, reason: r.reason },
  }
}

export async function weigh(i: WeighInput): Promise<{ scored: ScoreRoundResult; sent: SendOutcome }> {
  const hotkeyOf = new Map(i.metagraph.neurons.map((n) => [n.uid, n.hotkey]))
  const prior = i.store.weights()
  const sameEpoch = prior !== null && prior.epoch === i.epoch.index
  const base = (sameEpoch ? prior.base : prior?.weights ?? []).filter((w) => hotkeyOf.get(w.uid) === w.hotkey)
  const submissions: Submission[] = []
  for (const c of i.candidates) {
    const r = i.current(c)
    if (r) submissions.push(toSubmission(c, r)) // not yet evaluated: not weighed this round
  }
  const scored = scoreRound({
    submissions, block: i.metagraph.block, scoring: i.scoring, burnUid: i.burnUid,
    previous: new Map(base.map((w) => [w.uid, w.weight])),
  })
  const sent = await sendWeights({
    chain: i.chain, netuid: i.netuid, weights: scored.u16, policy: i.policy, block: i.metagraph.block,
    me: i.metagraph.neurons.find((n) => n.hotkey === i.chain.hotkey),
    alreadySentThisEpoch: sameEpoch && prior.sent !== null,
    ...(i.settings ? { settings: i.settings } : {}),
  })
  const record: WeightsRecord = {
    epoch: i.epoch.index,
    block: i.metagraph.block,
    base,
    weights: [...scored.weights].map(([uid, weight]) => ({ uid, hotkey: hotkeyOf.get(uid) ?? '', weight })),
    sent: 'receipt' in sent ? { mode: sent.status === 'committed' ? 'commit' : 'set', block: sent.receipt.blockNumber } : sameEpoch ? prior.sent : null,
  }
  await i.store.recordWeights(record)
  return { scored, sent }
}
