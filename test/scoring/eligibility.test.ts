// Who may be scored: stale commitments, recorded failures, copied commitment strings and
// duplicate content are each ineligible with their reason; the earliest copy of a content keeps it.
import t from 'tap'

import { checkEligibility, INELIGIBLE_CODES, type Submission } from '../../lib/index.js'

const sub = (uid: number, over: Partial<Submission> = {}): Submission => ({
  uid, hotkey: `hotkey-${uid}`, commitBlock: 100 + uid, registeredAt: 10, contentHash: `hash-${uid}`, proofValid: true, loss: 1 + uid / 10, failure: null, ...over,
})

t.test('valid submissions are eligible with their loss, in uid order', async (t) => {
  const v = checkEligibility([sub(3), sub(1)])
  t.same(v.map((x) => [x.uid, x.eligible, x.loss]), [[1, true, 1.1], [3, true, 1.3]])
})

t.test('same content: only the earliest commitment block keeps its score', async (t) => {
  const v = checkEligibility([sub(1, { contentHash: 'same', commitBlock: 300 }), sub(2, { contentHash: 'same', commitBlock: 200 }), sub(3, { contentHash: 'same', commitBlock: 250 })])
  t.match(v[1], { uid: 2, eligible: true })
  t.match(v[0], { uid: 1, eligible: false, code: 'duplicate', reason: /uid 2 .*block 200/ })
  t.match(v[2], { uid: 3, eligible: false, code: 'duplicate', reason: /uid 2/ })
  t.equal(v[0]!.loss, 1.1, 'an ineligible miner still shows its loss')
})

t.test('same content in the same block: the lower uid keeps it', async (t) => {
  const v = checkEligibility([sub(5, { contentHash: 'x', commitBlock: 50 }), sub(4, { contentHash: 'x', commitBlock: 50 })])
  t.same(v.map((x) => [x.uid, x.eligible]), [[4, true], [5, false]])
})

t.test('a proof that does not bind the content to the hotkey: copied commitment', async (t) => {
  // the copier committed the original's exact string; the original keeps its score
  const v = checkEligibility([sub(1, { contentHash: 'c', commitBlock: 100 }), sub(2, { contentHash: 'c', commitBlock: 90, proofValid: false })])
  t.match(v[1], { uid: 2, eligible: false, code: 'copied-commitment', reason: /hotkey-2/ })
  t.match(v[0], { uid: 1, eligible: true }, 'an ineligible copy does not take the content from the original, even when earlier')
})

t.test('a commitment at or before the registration block belongs to the previous owner', async (t) => {
  const v = checkEligibility([sub(1, { commitBlock: 10, registeredAt: 10 }), sub(2, { commitBlock: 9, registeredAt: 10 }), sub(3, { commitBlock: 11, registeredAt: 10 })])
  t.match(v[0], { eligible: false, code: 'stale-commitment', reason: /block 10 is at or before .* block 10/ })
  t.match(v[1], { eligible: false, code: 'stale-commitment' })
  t.match(v[2], { eligible: true })
})

t.test('a stale commitment is ineligible even when the validator also recorded a failure for it', async (t) => {
  const v = checkEligibility([sub(1, { commitBlock: 5, failure: { code: 'download-failed', reason: 'gone' } })])
  t.match(v[0], { code: 'stale-commitment' })
})

t.test('recorded failures keep their code and reason', async (t) => {
  const codes = INELIGIBLE_CODES.filter((c) => c !== 'stale-commitment')
  const v = checkEligibility(codes.map((code, i) => sub(i, { loss: null, contentHash: null, proofValid: null, failure: { code, reason: `because ${code}` } })))
  t.same(v.map((x) => (x.eligible ? null : [x.code, x.reason])), codes.map((c) => [c, `because ${c}`]))
})

t.test('an eligible miner needs a finite loss', async (t) => {
  const v = checkEligibility([sub(1, { loss: null }), sub(2, { loss: Number.NaN }), sub(3, { loss: Number.POSITIVE_INFINITY })])
  t.same(v.map((x) => x.eligible), [false, false, false])
  t.match(v[1], { code: 'training-failed', reason: /no finite eval loss/ })
})
