// The validator's store: results survive reopening and compaction; a torn last line is cut
// off and a damaged one elsewhere is reported; one process at a time; and a writer killed
// with SIGKILL at arbitrary moments loses no record whose write had returned.
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'

import { ResultStore, StoreCorruptError, StoreLockedError } from '../../lib/validator/store/index.js'
import { helperScript } from '../helpers/paths.js'
import { fakeResult } from '../helpers/results.js'
import { abandon, journalLines } from '../helpers/store-files.js'

const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('records survive reopening, with and without compaction', async (t) => {
  for (const compactEvery of [2, 1000]) {
    const dir = tmp()
    const a = await ResultStore.open(dir, { compactEvery })
    await a.recordStart('k1')
    await a.recordResult(fakeResult('k1', 1))
    await a.recordStart('k2')
    await a.recordAbandoned('k2', 'shutdown')
    await a.recordStart('k2')
    await a.recordResult(fakeResult('k2', 2, { status: 'download-failed', reason: 'HTTP 404', loss: null, final: false }))
    await a.recordWeights({ epoch: 3, block: 40, base: [], weights: [{ uid: 1, hotkey: 'hk-1', weight: 1 }], sent: { mode: 'set', block: 41 } })
    t.equal(a.starts('k2'), 2)
    // a killed process does not close: reopen from what is on disk
    const b = await ResultStore.peek(dir)
    t.same(Object.keys(b.results).sort(), ['k1', 'k2'], `compactEvery ${compactEvery}`)
    t.same(b.starts, { k1: 1, k2: 2 })
    t.same(b.abandoned, { k2: 1 })
    t.match(b.results.k2, { status: 'download-failed', reason: 'HTTP 404', final: false })
    t.match(b.weights, { epoch: 3, sent: { mode: 'set' } })
    t.equal(b.lastSeq, 7)
    await a.close()
    const c = await ResultStore.open(dir)
    t.same(c.results().map((r) => r.key).sort(), ['k1', 'k2'])
    t.same(journalLines(dir), [{ journal: 2, after: 7 }], 'a clean close leaves everything in the snapshot: the journal holds its header only')
    await c.recordResult(fakeResult('k3', 3))
    await c.close()
    t.equal((await ResultStore.peek(dir)).lastSeq, 8)
  }
})

t.test('a torn last line is cut off; a whole last record without its newline is kept', async (t) => {
  const dir = tmp()
  const s = await ResultStore.open(dir, { compactEvery: 1000 })
  await s.recordResult(fakeResult('k1', 1))
  await s.recordResult(fakeResult('k2', 2))
  // left as a killed process leaves it (no close, its lock file behind), then the tail torn
  const journal = join(dir, 'journal.jsonl')
  const whole = readFileSync(journal, 'utf8')
  abandon(dir)
  writeFileSync(journal, whole.slice(0, whole.length - 20))
  const r = await ResultStore.open(dir)
  t.same(r.results().map((x) => x.key), ['k1'])
  await r.recordResult(fakeResult('k3', 3))
  t.same(Object.keys((await ResultStore.peek(dir)).results).sort(), ['k1', 'k3'], 'appends continue on a clean line')
  await r.close()

  const dir2 = tmp()
  const s2 = await ResultStore.open(dir2, { compactEvery: 1000 })
  await s2.recordResult(fakeResult('k1', 1))
  const j2 = join(dir2, 'journal.jsonl')
  writeFileSync(j2, readFileSync(j2, 'utf8').trimEnd())
  abandon(dir2)
  const r2 = await ResultStore.open(dir2)
  await r2.recordResult(fakeResult('k2', 2))
  t.same(Object.keys((await ResultStore.peek(dir2)).results).sort(), ['k1', 'k2'])
  await r2.close()
})

t.test('damage before the last line, or a damaged snapshot, is an error, not a silent loss', async (t) => {
  const dir = tmp()
  const s = await ResultStore.open(dir, { compactEvery: 1000 })
  await s.recordResult(fakeResult('k1', 1))
  await s.recordResult(fakeResult('k2', 2))
  await s.close()
  appendFileSync(join(dir, 'journal.jsonl'), '{"seq":9,"ty\n{"seq":10,"type":"started","key":"x","at":""}\n')
  await t.rejects(ResultStore.open(dir), StoreCorruptError)
  writeFileSync(join(dir, 'journal.jsonl'), '{"seq":9,"type":"unknown"}\n')
  await t.rejects(ResultStore.open(dir), /journal\.jsonl: line 1: is not a store record/)
  writeFileSync(join(dir, 'journal.jsonl'), '')
  writeFileSync(join(dir, 'snapshot.json'), '{"version":1,"state":')
  await t.rejects(ResultStore.open(dir), StoreCorruptError)
  writeFileSync(join(dir, 'lock'), 'garbage')
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify({ version: 1, state: { lastSeq: 0, results: {}, starts: {}, abandoned: {}, weights: null } }))
  const ok = await ResultStore.open(dir)
  t.same(ok.results(), [], 'an unreadable lock file is nobody\'s lock')
  await ok.close()
})

interface Writer {
  keys: string[]
  exited: Promise<void>
  kill(): void
  waitFor(n: number): Promise<void>
}

function startWriter(dir: string, prefix: string): Writer {
  const child = spawn(process.execPath, [...helperScript('store-writer'), dir, prefix], { stdio: ['ignore', 'pipe', 'inherit'] })
  const keys: string[] = []
  const waiters: Array<{ n: number; resolve: () => void }> = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line !== 'open') keys.push(line)
    for (const w of waiters.filter((w) => keys.length >= w.n)) w.resolve()
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return {
    keys, exited,
    kill: () => child.kill('SIGKILL'),
    waitFor: (n) => new Promise<void>((resolve, reject) => {
      waiters.push({ n, resolve })
      void exited.then(() => reject(new Error(`writer exited after ${keys.length} records`)))
    }),
  }
}

t.test('SIGKILL at arbitrary moments loses no recorded result; a live holder keeps others out', async (t) => {
  const dir = tmp()
  const durable: string[] = []
  for (const [round, count] of [[0, 23], [1, 41], [2, 17]] as const) {
    const w = startWriter(dir, `r${round}`)
    await w.waitFor(count)
    if (round === 0) await t.rejects(ResultStore.open(dir), StoreLockedError, 'the running writer holds the store')
    w.kill()
    await w.exited
    durable.push(...w.keys)
    const state = await ResultStore.peek(dir)
    const missing = durable.filter((k) => !state.results[k])
    t.same(missing, [], `round ${round}: every key the writer reported (${durable.length}) is in the store`)
    t.ok(Object.values(state.starts).every((n) => n === 1), 'each start recorded once')
  }
  const s = await ResultStore.open(dir)
  t.ok(s.results().length >= durable.length)
  await s.close()
})
