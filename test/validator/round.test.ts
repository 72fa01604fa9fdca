// One full round on LocalChain, in process, with the tiny model and the local hub (the
// demo's round): the expected ranking, the copies and the invalid dataset ineligible with
// their reasons, and the weights read back from the chain.
import { pino } from 'pino'
import t from 'tap'

import { runDemo } from '../../lib/cli/demo/run.js'

t.test('the demo round: good > mediocre > garbage; invalid, duplicate and copied ineligible; weights on chain', async (t) => {
  const outcome = await runDemo({ netuid: 5, logger: pino({ level: 'silent' }), out: null, signal: new AbortController().signal, numThreads: 2 })
  const { summary, miners } = outcome
  const uid = (name: string) => miners.find((m) => m.name === name)!.uid
  const row = (name: string) => summary.ranking.find((r) => r.uid === uid(name))!

  t.same(summary.ranking.filter((r) => r.eligible).map((r) => r.uid), [uid('good'), uid('mediocre'), uid('garbage')], 'ranking of the eligible')
  t.ok(row('good').loss! < row('mediocre').loss! && row('mediocre').loss! < row('garbage').loss!, 'by eval loss too')
  t.same([row('good').score, row('mediocre').score, row('garbage').score], [1, 0.5, 0], 'win rates')
  t.match(row('invalid'), { eligible: false, code: 'invalid-dataset', reason: /line 2: conversations\[0\]\.role: expected "user".*line 3: invalid JSON/, loss: null })
  t.match(row('reupload'), { eligible: false, code: 'duplicate', reason: new RegExp(`uid ${uid('good')} .*committed earlier`) })
  t.match(row('copycat'), { eligible: false, code: 'copied-commitment', reason: /does not bind this content to hotkey/ })
  for (const m of miners) t.equal(m.expect, row(m.name).code, `${m.name}: ${m.expect}`)
  t.equal(summary.evaluated.length, miners.length, 'every miner went through the evaluator once')

  t.equal(summary.sent.status, 'set')
  t.equal(summary.burned, false)
  t.same(outcome.chainWeights, summary.weights.uids.map((u, i) => [u, summary.weights.values[i]]), 'the chain holds the weights the validator computed')
  const onChain = new Map(outcome.chainWeights)
  t.equal(onChain.get(uid('good')), 65535)
  t.ok(onChain.get(uid('mediocre'))! > (onChain.get(uid('garbage')) ?? 0))
  for (const name of ['invalid', 'reupload', 'copycat']) t.notOk(onChain.has(uid(name)), `no weight for ${name}`)
})
