// Each flock-off-s1 rule against cases worked out from the live code, FLock-io/FLock-subnet
// (shared/reference/live-sn96.md). The search index holds these versions, which the lines
// below refer to: neurons/validator.py and flockoff/constants.py of the February 2026
// redesign (the stored version; the index names no commit for it), flockoff/validator/
// trainer.py (stored version), flockoff/validator/validator_utils.py at 39fbdef, and the
// codec in FLockDataset/miners/data.py at 83db27d (flockoff/miners/data.py, the same codec by
// live-sn96.md, is not in the index). The rank cut of the winner is stated in live-sn96.md:
// the 492c7bb select_winner is not in the index (39fbdef's is the older loss-threshold rule).
import t from 'tap'

import { parseCommitment } from '../../lib/chain/index.js'
import { minuteOfUtcDay, phaseAt, submissionCompetitionId, submissionWindow, utcDateId } from '../../lib/competition/flock-off-s1/clock.js'
import { formatS1Commitment, parseS1Commitment } from '../../lib/competition/flock-off-s1/codec.js'
import { DUPLICATE_SHARED_ROWS, SELECTION_SIZE, TOP_FRACTION } from '../../lib/competition/flock-off-s1/constants.js'
import { findDuplicates } from '../../lib/competition/flock-off-s1/duplicates.js'
import { checkRevision } from '../../lib/competition/flock-off-s1/revision.js'
import { checkSelection, rowKey, sharedRows } from '../../lib/competition/flock-off-s1/selection.js'
import { weightsDue } from '../../lib/competition/flock-off-s1/weight-timing.js'
import { flockOffS1Rules } from '../../lib/competition/index.js'
import { topCount, winnerTakeAllRank } from '../../lib/scoring/index.js'

const SHA = 'f5ab835e98f5b0ce61cd17d5ef9c876e481517d5'

t.test('codec: namespace:competition_id:commit, "None" = main (data.py:37-47; chain.py: JSON is not a commitment)', async (t) => {
  t.equal(formatS1Commitment('me/sel', '20260302', SHA), `me/sel:20260302:${SHA}`, 'written as to_compressed_str (data.py:39)')
  t.match(parseS1Commitment(`me/sel:20260302:${SHA}`), { ok: true, commitment: { repo: 'me/sel', competitionId: '20260302', revision: SHA, proof: null } })
  t.match(parseS1Commitment('me/sel:20260302:None'), { ok: true, commitment: { revision: 'main' } }, '"None" reads as main (data.py:47)')
  t.match(parseS1Commitment(`me/sel:1:${SHA}:extra`), { ok: true, commitment: { revision: SHA, competitionId: '1' } }, 'fields past the third are ignored (tokens[0..2], data.py:43-47)')
  t.match(parseS1Commitment('me/sel:20260302'), { ok: false, reason: /namespace:competition_id:commit/ }, 'two fields: the live parser fails (tokens[2])')
  t.match(parseS1Commitment('{"repo": "x"}'), { ok: false, reason: /JSON/ }, 'JSON text is skipped (validator/chain.py: startswith("{"))')
  t.match(parseS1Commitment(null), { ok: false })
  // our default competition's commitment, read by SN96 validators: its proof becomes the revision
  const ours = `me/data:${SHA}:0123456789abcdef0123456789abcdef`
  t.match(parseS1Commitment(ours), { ok: true, commitment: { competitionId: SHA, revision: '0123456789abcdef0123456789abcdef' } }, 'repo:sha:proof is misread: the proof as the revision')
  t.match(parseCommitment(`me/sel:20260302:${SHA}`), { ok: false }, 'and the default codec refuses the live form')
  t.equal(flockOffS1Rules.commitment.format({ repo: 'me/sel', sha: SHA, contentHash: '0'.repeat(64), hotkey: 'x', at: new Date('2026-03-02T12:10:00Z') }), `me/sel:20260302:${SHA}`, 'submit writes the competition the commitment is recorded for')
  t.throws(() => formatS1Commitment('me/sel', '2026-03-02', SHA), /YYYYMMDD/)
  t.throws(() => formatS1Commitment('me/sel', '20260302', 'main'), /40-hex/)
})

t.test('cycle: submission 12:00–12:30, validation 12:30 → 11:30, rewards 11:30–12:00 UTC; the id is the UTC date (constants.py:17-20; validator.py:329-330, 395, 430-431, 693)', async (t) => {
  const at = (hhmm: string, day = '2026-03-02') => new Date(`${day}T${hhmm}:00Z`)
  const cases: Array<[string, string]> = [
    ['11:29', 'validation'], ['11:30', 'rewarding'], ['11:59', 'rewarding'], ['12:00', 'submission'], ['12:29', 'submission'],
    ['12:30', 'validation'], ['23:59', 'validation'], ['00:00', 'validation'],
  ]
  for (const [hhmm, phase] of cases) t.equal(phaseAt(at(hhmm)), phase, `${hhmm} UTC is ${phase}`)
  t.equal(phaseAt(new Date('2026-03-02T12:29:59.999Z')), 'submission', 'the minute of the day counts, as now.hour * 60 + now.minute')
  t.equal(minuteOfUtcDay(new Date('2026-03-02T23:59:59Z')), 1439)
  t.equal(utcDateId(new Date('2026-03-02T23:59:59Z')), '20260302', 'competition id = now.strftime("%Y%m%d") in UTC')
  t.equal(utcDateId(new Date('2026-03-03T00:00:00+01:00')), '20260302', 'UTC, not local time')
  t.equal(submissionCompetitionId(at('12:29')), '20260302', 'a commitment before 12:30 is recorded today')
  t.equal(submissionCompetitionId(at('12:30')), '20260303', 'after the window closes: tomorrow\'s')
  t.equal(submissionCompetitionId(at('03:00')), '20260302', 'before the window opens: today\'s')
  t.same(submissionWindow('20260302'), { opens: new Date('2026-03-02T12:00:00Z'), closes: new Date('2026-03-02T12:30:00Z') })
})

const row = (n: number) => ({ system: null, conversations: [{ role: 'user', content: `q${n}` }, { role: 'assistant', content: `a${n}` }] })
const keys = (ns: number[]) => ns.map((n) => rowKey(row(n)))
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)
const evalSet = new Set(keys(range(0, 300)))

t.test('eligibility: the first 100 rows must all be distinct rows of the eval set (validator.py:534, 548; validator_utils.py:138-149; constants.py:14)', async (t) => {
  t.equal(SELECTION_SIZE, 100)
  t.same(checkSelection(keys(range(0, 100)), evalSet), { ok: true })
  t.same(checkSelection(keys(range(200, 250)), evalSet), { ok: true }, 'fewer than 100 rows, all from the eval set: eligible (load_jsonl(max_rows=100) keeps what there is)')
  t.match(checkSelection(keys([...range(0, 99), 999]), evalSet), { ok: false, reason: /row\(s\) 100 of the first 100 are not rows of the eval set/ }, 'one row outside: count_similar != len')
  t.match(checkSelection(keys([...range(0, 99), 5]), evalSet), { ok: false, reason: /row 100 is row 6 again/ }, 'a repeated row: the set intersection is shorter than the list')
  t.match(checkSelection([], evalSet), { ok: false })
  // rows compare as json.dumps(sort_keys=True): key order and spacing do not count, every key and value does
  const reordered = JSON.parse('{"conversations": [{"content": "q1", "role": "user"}, {"role": "assistant", "content": "a1"}], "system": null}')
  t.equal(rowKey(reordered), rowKey(row(1)), 'another key order is the same row')
  t.not(rowKey({ conversations: row(1).conversations }), rowKey(row(1)), '"system": null and no system key are different rows')
  t.not(rowKey({ ...row(1), conversations: [{ role: 'user', content: 'q1 ' }, row(1).conversations[1]] }), rowKey(row(1)), 'a trailing space is another row')
})

t.test('duplicates: more than 33 shared rows, the later block loses (validator.py:589, 603-606; constants.py:10)', async (t) => {
  t.equal(DUPLICATE_SHARED_ROWS, 33)
  const e = (uid: number, commitBlock: number, ns: number[]) => ({ uid, hotkey: `h${uid}`, commitBlock, keys: keys(ns) })
  t.equal(sharedRows(keys([1, 2, 2, 3]), keys([2, 3, 4])), 2, 'shared rows are counted as sets (count_similar)')
  const a = e(1, 10, range(0, 100))
  t.same([...findDuplicates([a, e(2, 11, [...range(0, 33), ...range(100, 167)])]).keys()], [], '33 shared: not a duplicate (> 33)')
  const d = findDuplicates([a, e(2, 11, [...range(0, 34), ...range(100, 166)])])
  t.match(d.get(2), { of: { uid: 1, commitBlock: 10 }, shared: 34 }, '34 shared: the later commitment is the duplicate')
  t.notOk(d.has(1), 'the earlier one keeps its place')
  t.match(findDuplicates([e(1, 12, range(0, 100)), e(2, 11, range(0, 100))]).get(1), { of: { uid: 2 } }, 'by block, not by uid')
  t.match(findDuplicates([e(3, 10, range(0, 100)), e(2, 10, range(0, 100))]).get(3), { of: { uid: 2 } }, 'the same block: the higher uid loses (live: the sort is stable on its own random order)')
  // a chain: B shares with A, C with B only: B loses to A, and C to B (which the live validator's repeated samples reach)
  const chain = findDuplicates([e(1, 1, range(0, 100)), e(2, 2, [...range(0, 40), ...range(100, 160)]), e(3, 3, [...range(100, 140), ...range(200, 260)])])
  t.same([...chain.entries()].map(([uid, v]) => [uid, v.of.uid]), [[2, 1], [3, 2]])
})

t.test('revision: a prefix of the commit sha it resolves to, at least 7 characters (trainer.py:90-91)', async (t) => {
  t.same(checkRevision(SHA, SHA), { ok: true })
  t.same(checkRevision(SHA.slice(0, 7), SHA), { ok: true }, 'a 7-character short sha')
  t.match(checkRevision(SHA.slice(0, 6), SHA), { ok: false }, '6 characters: sha[:7] != revision')
  t.match(checkRevision('main', SHA), { ok: false, reason: /"main" is not a commit sha/ }, '"None" (main) never passes')
  t.match(checkRevision(SHA.toUpperCase(), SHA), { ok: false }, 'case counts')
  t.match(checkRevision(`${SHA}0`, SHA), { ok: false }, 'longer than the sha')
})

t.test('winner: the earliest block among the max(floor(N × 0.05), 1) lowest losses (live-sn96.md; validator_utils.py:102-103 orders by commitment block)', async (t) => {
  t.equal(TOP_FRACTION, 0.05)
  t.same([1, 19, 20, 39, 40, 59, 60, 256].map((n) => topCount(n, TOP_FRACTION)), [1, 1, 1, 1, 2, 2, 3, 12], 'N hotkeys → how many lowest losses may win')
  const s = (uid: number, commitBlock: number, loss: number) => ({ uid, hotkey: `h${uid}`, commitBlock, loss })
  const field = [s(1, 50, 2.10), s(2, 20, 2.12), s(3, 10, 2.30), s(4, 40, 2.11)]
  t.equal(winnerTakeAllRank(field, 20, TOP_FRACTION)!.winner.uid, 1, 'N = 20: one place, the lowest loss wins')
  t.same(winnerTakeAllRank(field, 40, TOP_FRACTION)!.top.map((x) => x.uid), [1, 4], 'N = 40: two places')
  t.equal(winnerTakeAllRank(field, 40, TOP_FRACTION)!.winner.uid, 4, 'the earlier of the two lowest wins, not the lowest')
  t.equal(winnerTakeAllRank(field, 60, TOP_FRACTION)!.winner.uid, 2, 'N = 60: three places; block 20 is the earliest of them')
  t.equal(winnerTakeAllRank(field, 256, TOP_FRACTION)!.winner.uid, 3, 'N = 256: 12 places hold all four')
  t.equal(winnerTakeAllRank([s(5, 9, 2.1), s(4, 9, 2.1)], 40, TOP_FRACTION)!.winner.uid, 4, 'ties go to the lower uid')
  t.equal(winnerTakeAllRank([], 40, TOP_FRACTION), null)
})

t.test('weights: once per tempo, when the next epoch is at most 50 blocks away (validator.py:248-256, 338)', async (t) => {
  const at = (block: number, next: number) => ({ nextEpochBlock: next, blocksUntilNextEpoch: next - block })
  t.equal(weightsDue(at(1000, 1051), null), false, '51 blocks away: not yet')
  t.equal(weightsDue(at(1000, 1050), null), true, '50: due')
  t.equal(weightsDue(at(1049, 1050), 1050), false, 'already sent for the epoch step at block 1050')
  t.equal(weightsDue(at(1411, 1411), 1050), true, 'the next epoch\'s stretch')
  t.equal(weightsDue({ nextEpochBlock: Number.POSITIVE_INFINITY, blocksUntilNextEpoch: Number.POSITIVE_INFINITY }, null), false, 'tempo 0: never')
})

t.test('training: the live hyper-parameters (trainer.py:151-183; constants.py:14)', async (t) => {
  const { flockOffS1Config: c } = await import('../../lib/competition/index.js')
  t.match(c.lora, { r: 16, alpha: 32, dropout: 0.1, useRslora: false })
  t.equal(c.lora.targetModules.length, 7, 'target_modules="all-linear": the seven projections')
  t.match(c.training, { learningRate: 2e-4, warmupSteps: 5, microBatchSize: 1, gradAccumSteps: 8, epochs: 2, maxSeqLen: 2048, lrSchedule: 'linear', chatFormat: 'stripped-chatml' })
  t.same(c.budget, { maxTrainRows: 100, stepsFromEpochs: true, rowSelection: 'first' }, 'the first 100 rows (train_ds.data_list[:eval_size], trainer.py:214), 2 epochs of them')
  t.equal(c.baseModel.repo, 'Qwen/Qwen2.5-1.5B-Instruct')
  t.match(c.scoring, { scheme: 'winner-take-all-rank', winnerTakeAllFraction: TOP_FRACTION })
})
