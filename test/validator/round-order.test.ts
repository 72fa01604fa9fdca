// Pure parts of the loop: commitments to candidates (untrusted text, stale commitments),
// the queue's tiers and its block-hash-seeded sample, when a result is finished, epochs.
import t from 'tap'

import type { Metagraph } from '../../lib/chain/index.js'
import { buildCandidates, type Candidate } from '../../lib/validator/candidates.js'
import { epochInfo } from '../../lib/chain/index.js'
import { endOfEpochMargin, epochWindow } from '../../lib/validator/epoch-clock.js'
import { finishedPredicate } from '../../lib/validator/finished.js'
import { buildQueue } from '../../lib/validator/round-order.js'
import type { MinerResult } from '../../lib/validator/store/index.js'
import { fakeResult } from '../helpers/results.js'

const SHA = 'a'.repeat(40)
const PROOF = 'b'.repeat(32)
const HOTKEYS = ['5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y', '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy']

const metagraph: Metagraph = {
  netuid: 1, block: 500, blockHash: `0x${'1'.repeat(64)}`,
  neurons: HOTKEYS.map((hotkey, uid) => ({ uid, hotkey, validatorPermit: false, stake: 0n, lastUpdate: 0, registeredAt: 100 })),
}

t.test('candidates: parsed, bad text and stale commitments with reasons; unregistered hotkeys ignored', async (t) => {
  const c = buildCandidates(metagraph, [
    { hotkey: HOTKEYS[2]!, block: 150, text: `bob/data:${SHA}:${PROOF}` },
    { hotkey: HOTKEYS[0]!, block: 120, text: 'owner/repo:not-a-sha:x' },
    { hotkey: HOTKEYS[1]!, block: 100, text: `old/data:${SHA}:${PROOF}` },
    { hotkey: HOTKEYS[3]!, block: 130, text: null },
    { hotkey: '5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw', block: 140, text: `x/y:${SHA}:${PROOF}` },
  ])
  t.same(c.map((x) => x.uid), [0, 1, 2, 3])
  t.match(c[0], { problem: { code: 'invalid-commitment', reason: /not a full 40-hex commit sha/ }, commitment: null })
  t.match(c[1], { problem: { code: 'stale-commitment', reason: /block 100 is at or before .* block 100/ } })
  t.match(c[2], { problem: null, commitment: { repo: 'bob/data', revision: SHA, proof: PROOF }, commitBlock: 150 })
  t.match(c[3], { problem: { code: 'invalid-commitment', reason: /not raw UTF-8/ } })
  t.not(c[2]!.id, buildCandidates(metagraph, [{ hotkey: HOTKEYS[2]!, block: 151, text: `bob/data:${SHA}:${PROOF}` }])[0]!.id, 'a new block is a changed commitment')
})

const cand = (uid: number, commitBlock: number): Candidate => ({
  uid, hotkey: `hk${uid}`, registeredAt: 1, commitBlock, text: `t${uid}`, id: `id${uid}`, commitment: { repo: 'a/b', revision: SHA, proof: PROOF }, problem: null,
})

t.test('queue: new and unfinished first (fewest attempts, oldest), then the strongest stale, then a seeded sample', async (t) => {
  const candidates = Array.from({ length: 12 }, (_, i) => cand(i, 100 + ((i * 7) % 12)))
  const current = new Map<number, MinerResult>([
    [0, fakeResult('k0', 0)], // finished
    [1, fakeResult('k1', 1, { status: 'timeout', final: false, attempts: 1 })], // retry
  ])
  // uids 2..3 are new (no result anywhere); 4..11 were evaluated under an older context
  const older = new Map<number, MinerResult[]>(Array.from({ length: 8 }, (_, k) => [4 + k, [fakeResult(`o${k}`, k, { loss: 2 - k / 10 })]]))
  const q = (seed: string) =>
    buildQueue({
      candidates, current: (c) => current.get(c.uid), isFinished: (r) => r.final, older: (c) => older.get(c.uid) ?? [], seed, strongest: 2, sample: 3,
    })
  const a = q(`0x${'a'.repeat(64)}`)
  t.same(a.slice(0, 3).map((i) => [i.candidate.uid, i.tier]), [[2, 'new'], [3, 'new'], [1, 'new']], 'new ones (oldest first), then the retry')
  t.equal(a[2]!.previous?.attempts, 1)
  t.same(a.slice(3, 5).map((i) => [i.candidate.uid, i.tier]), [[11, 'strongest'], [10, 'strongest']], 'lowest previous loss')
  t.equal(a.length, 8)
  t.ok(a.slice(5).every((i) => i.tier === 'sample' && i.candidate.uid >= 4 && i.candidate.uid <= 9))
  t.same(q(`0x${'a'.repeat(64)}`), a, 'the same block hash gives the same queue')
  const samples = new Set(['b', 'c', 'd', 'e', 'f', '1', '2'].map((h) => q(`0x${h.repeat(64)}`).slice(5).map((i) => i.candidate.uid).join(',')))
  t.ok(samples.size > 1, 'other block hashes draw other samples')
  t.notOk(a.some((i) => i.candidate.uid === 0), 'a finished commitment is never queued again')
})

t.test('a duplicate that was not evaluated stays done only while its original is on chain and scored', async (t) => {
  const original = cand(1, 100)
  const copy = cand(2, 120)
  const dup = fakeResult('d', 2, { status: 'duplicate', contentHash: 'H', duplicateOf: { hotkey: 'hk1', commitBlock: 100 } })
  const scored = fakeResult('o', 1, { contentHash: 'H' })
  t.equal(finishedPredicate([original, copy], () => scored)(dup), true)
  t.equal(finishedPredicate([copy], () => scored)(dup), false, 'the original left the subnet')
  t.equal(finishedPredicate([{ ...original, commitBlock: 130 }, copy], () => scored)(dup), false, 'the original committed something else')
  t.equal(finishedPredicate([original, copy], () => ({ ...scored, status: 'download-failed' }))(dup), false, 'the original is no longer scored')
  t.equal(finishedPredicate([original, copy], () => scored)(fakeResult('x', 3, { final: false })), false, 'retryable')
})

t.test('epochs: the subnet\'s, as the chain schedules them, or a fixed length', async (t) => {
  const legacy = (block: number, tempo = 360) => epochInfo({ scheduler: 'legacy', netuid: 1, tempo, block })
  // legacy, netuid 1, tempo 360: the step runs where (block + 2) % 361 == 360, so epoch 1 is blocks 359..719
  t.same(epochWindow(legacy(359)), { index: 1, startBlock: 359, endBlock: 719, length: 361 })
  t.same(epochWindow(legacy(719)), { index: 1, startBlock: 359, endBlock: 719, length: 361 })
  t.same(epochWindow(legacy(720)).index, 2)
  t.same(epochWindow(legacy(5)), { index: 0, startBlock: 0, endBlock: 358, length: 361 })
  t.same(epochWindow(legacy(725), 100), { index: 7, startBlock: 700, endBlock: 799, length: 100 }, '--blocks_per_epoch overrides the tempo')
  t.throws(() => epochWindow(legacy(5, 0)), /tempo 0/)
  // stateful: epoch 41 began at block 1000 (LastEpochBlock); tempo 360 steps it at 1360, or sooner when the owner triggers one
  const stateful = { scheduler: 'stateful' as const, netuid: 1, tempo: 360, block: 1100, lastEpochBlock: 1000, pendingEpochAt: 0, epochIndex: 41, blocksSinceLastStep: 100 }
  t.same(epochWindow(epochInfo(stateful)), { index: 41, startBlock: 1000, endBlock: 1359, length: 360 })
  t.same(epochWindow(epochInfo({ ...stateful, pendingEpochAt: 1150 })), { index: 41, startBlock: 1000, endBlock: 1149, length: 360 })
})

t.test('the end-of-epoch margin: 10 blocks, or a quarter of a short epoch', async (t) => {
  const at5 = epochInfo({ scheduler: 'legacy', netuid: 1, tempo: 360, block: 5 })
  t.equal(endOfEpochMargin(epochWindow(at5)), 10)
  t.equal(endOfEpochMargin(epochWindow(at5, 10)), 2, '--blocks_per_epoch 10 still leaves 8 blocks to evaluate in')
  t.equal(endOfEpochMargin(epochWindow(at5, 3)), 0)
})
