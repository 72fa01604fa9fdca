// Which call weights go by, from the subnet's state and --weights.commit_reveal, and how the
// outcome reads in the status line and the --json round-end event.
import t from 'tap'

import type { WeightsPolicy } from '../../lib/chain/index.js'
import { formatWeights } from '../../lib/validator/ranking-table.js'
import { jsonReporter } from '../../lib/validator/reporter.js'
import { weightsPath } from '../../lib/validator/send-weights.js'

const policy = (p: Partial<WeightsPolicy>): WeightsPolicy => ({ rateLimit: 0, versionKey: 0n, commitRevealEnabled: false, revealPeriodEpochs: 1, tempo: 360, commitRevealVersion: 4, ...p })

t.test('the path from chain state', async (t) => {
  t.equal(weightsPath(policy({ commitRevealEnabled: false })), 'set_weights', 'commit-reveal off: set_weights, whatever the version')
  t.equal(weightsPath(policy({ commitRevealEnabled: false }), 'hash'), 'set_weights')
  t.equal(weightsPath(policy({ commitRevealEnabled: true })), 'commit_timelocked_weights', 'on, v4: timelocked, as the SDK sends')
  t.equal(weightsPath(policy({ commitRevealEnabled: true }), 'hash'), 'commit_weights', 'on, by preference: hash commit-reveal')
  t.equal(weightsPath(policy({ commitRevealEnabled: true, commitRevealVersion: 3 })), 'commit_weights', 'a version this client does not encrypt for: hash')
  t.equal(weightsPath(policy({ commitRevealEnabled: true, commitRevealVersion: 0 })), 'commit_weights', 'a runtime without the version: hash')
})

t.test('the status line says which round reveals a timelocked commit', async (t) => {
  const receipt = { blockNumber: 42, blockHash: `0x${'ab'.repeat(32)}` }
  const weights = { uids: [0, 3], values: [65535, 7] }
  t.equal(formatWeights(weights, { status: 'committed', via: 'commit_timelocked_weights', receipt, revealRound: 34_438_995, revealBlock: 400 }),
    'weights (uid:u16) 0:65535 3:7 — committed timelocked in block 42; the chain reveals them at drand round 34438995 (about block 400)')
  t.equal(formatWeights(weights, { status: 'committed', via: 'commit_weights', receipt }),
    'weights (uid:u16) 0:65535 3:7 — committed in block 42 (hash commit: this validator reveals it in the reveal epoch)')
  t.equal(formatWeights(weights, { status: 'set', via: 'set_weights', receipt }), 'weights (uid:u16) 0:65535 3:7 — set in block 42')
  let line = ''
  const out = { write: (s: string) => ((line += s), true) } as unknown as NodeJS.WritableStream
  jsonReporter(out).roundEnd({
    epoch: 1, block: 43, candidates: 0, evaluated: [], deferred: 0, ranking: [], burned: true, weights,
    sent: { status: 'committed', via: 'commit_timelocked_weights', receipt, revealRound: 1000, revealBlock: 9 },
  })
  t.match(JSON.parse(line), { event: 'round-end', sent: { status: 'committed', via: 'commit_timelocked_weights', block: 42, revealRound: 1000, revealBlock: 9 } })
})
