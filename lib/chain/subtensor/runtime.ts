/**
 * Which subtensor generation a node runs, read from its metadata once at connect: the
 * epoch scheduler (stateful when SubtensorModule has LastEpochBlock, SubnetEpochIndex and
 * PendingEpochAt), the WeightCommits layout (its value type, and the scheduler: stateful
 * runtimes store the commit epoch where legacy ones stored the block), and the calls and
 * storage the client may use (timelocked weights, mechanisms, revealed commitments).
 */
import type { ApiPromise } from '@polkadot/api'

import type { EpochScheduler } from '../epoch.js'

/**
 * - `block-window`: (hash, commit_block, first_reveal_block, last_reveal_block), spec ≤ ~420
 * - `epoch`: (hash, commit_epoch, commit_block, unused), stateful runtimes
 * - `single`: (hash, commit_block), the oldest runtimes
 */
export type WeightCommitsLayout = 'block-window' | 'epoch' | 'single'

export interface RuntimeFeatures {
  specVersion: number
  scheduler: EpochScheduler
  weightCommits: WeightCommitsLayout
  timelockedWeights: boolean
  mechanisms: boolean
  commitRevealVersion: boolean
  revealedCommitments: boolean
}

export function detectRuntime(api: ApiPromise): RuntimeFeatures {
  const sm = api.query.subtensorModule ?? {}
  const has = (item: string) => Object.hasOwn(sm, item)
  const stateful = has('lastEpochBlock') && has('subnetEpochIndex') && has('pendingEpochAt')
  let tupleLength = 4
  const commits = sm.weightCommits as unknown as { meta: { type: { isMap: boolean; asMap: { value: never }; asPlain: never } } } | undefined
  if (commits) {
    const type = commits.meta.type
    const def = api.registry.lookup.getTypeDef(type.isMap ? type.asMap.value : type.asPlain)
    // Vec<(H256, u64, ...)>: the tuple inside tells the layout
    const inner = Array.isArray(def.sub) ? def.sub[0] : def.sub
    if (inner && Array.isArray(inner.sub)) tupleLength = inner.sub.length
  }
  return {
    specVersion: api.runtimeVersion.specVersion.toNumber(),
    scheduler: stateful ? 'stateful' : 'legacy',
    weightCommits: tupleLength === 2 ? 'single' : stateful ? 'epoch' : 'block-window',
    timelockedWeights: Boolean(api.tx.subtensorModule?.commitTimelockedWeights),
    mechanisms: Boolean(api.tx.subtensorModule?.setMechanismWeights),
    commitRevealVersion: has('commitRevealWeightsVersion'),
    revealedCommitments: Boolean(api.query.commitments?.revealedCommitments),
  }
}
