// A store that detects damage: checksums on every record and snapshot, a snapshot never
// trusted over a journal that holds more, writes checked complete (an injected full disk),
// a journal read with a bound on its lines, and stores from before all this still open.
import { mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'

import { ResultStore, StoreCorruptError } from '../../lib/validator/store/index.js'
import { fakeResult } from '../helpers/results.js'
import { abandon, faultyDisk, journalLines } from '../helpers/store-files.js'

const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-store-damage-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
const keys = (state: { results: Record<string, unknown> }) => Object.keys(state.results).sort()

/** A store holding results k1..kN (loss 1.001 .. ), compacted every `compactEvery`, left open (as a killed process leaves it). */
async function written(n: number, compactEvery = 1000): Promise<string> {
  const dir = tmp()
  const s = await ResultStore.open(dir, { compactEvery })
  for (let i = 1; i <= n; i++) await s.recordResult(fakeResult(`k${i}`, i))
  abandon(dir)
  return dir
}

async function corruption(t: Test, dir: string, needles: Array<string | RegExp>): Promise<void> {
  const err = await ResultStore.open(dir).then(
    async (s) => {
      await s.close()
      return undefined
    },
    (e: unknown) => e,
  )
  t.type(err, StoreCorruptError, 'opening reports damage')
  for (const n of needles) t.match((err as Error | undefined)?.message ?? '', n)
  await t.rejects(ResultStore.peek(dir), StoreCorruptError, 'so does peek')
}

t.test('one flipped digit in snapshot.json (still valid JSON) is reported, not loaded with a changed loss', async (t) => {
  const dir = await written(3)
  await (await ResultStore.open(dir)).close()
  const path = join(dir, 'snapshot.json')
  const text = readFileSync(path, 'utf8')
  t.match(text, '"loss":1.002')
  writeFileSync(path, text.replace('"loss":1.002', '"loss":1.003'))
  JSON.parse(readFileSync(path, 'utf8'))
  await corruption(t, dir, ['snapshot.json', 'does not match its checksum'])
  // the files are left as they were for the operator
  t.equal(readFileSync(path, 'utf8'), text.replace('"loss":1.002', '"loss":1.003'))
})

t.test('a flipped digit in a journal record names the file and line; a record removed from the middle too', async (t) => {
  const dir = await written(4)
  const path = join(dir, 'journal.jsonl')
  const lines = readFileSync(path, 'utf8').split('\n')
  writeFileSync(path, lines.map((l, i) => (i === 2 ? l.replace('"loss":1.002', '"loss":1.009') : l)).join('\n'))
  await corruption(t, dir, ['journal.jsonl', 'line 3: does not match its checksum'])
  writeFileSync(path, lines.filter((_, i) => i !== 2).join('\n'))
  await corruption(t, dir, ['journal.jsonl', 'line 3: holds record 3 where record 2 belongs'])
  writeFileSync(path, lines.map((l, i) => (i === 1 ? l.replace(/,"sum":"[0-9a-f]+"\}$/, '}') : l)).join('\n'))
  await corruption(t, dir, ['line 2: has no checksum'])
})

t.test('snapshot.json deleted, journal kept: reported as damage, never opened with 2 of 12 records', async (t) => {
  const dir = await written(12, 10) // snapshot covers records 1..10, the journal holds 11 and 12
  t.same(journalLines(dir).slice(0, 1), [{ journal: 2, after: 10 }])
  const journal = readFileSync(join(dir, 'journal.jsonl'))
  const snapshot = readFileSync(join(dir, 'snapshot.json'))
  unlinkSync(join(dir, 'snapshot.json'))
  await corruption(t, dir, ['journal.jsonl', 'continues after record 10, but snapshot.json is missing: records 1 to 10 are lost'])
  t.same(readFileSync(join(dir, 'journal.jsonl')), journal, 'the journal is not rewritten: nothing becomes permanent')
  // an older snapshot in its place (a restored backup) is found out the same way
  const older = await written(5, 1000)
  await (await ResultStore.open(older)).close()
  writeFileSync(join(dir, 'snapshot.json'), readFileSync(join(older, 'snapshot.json')))
  await corruption(t, dir, ['covers records only up to 5: records 6 to 10 are missing'])
  // the journal deleted or emptied behind a snapshot
  writeFileSync(join(dir, 'snapshot.json'), snapshot)
  unlinkSync(join(dir, 'journal.jsonl'))
  await corruption(t, dir, ['journal.jsonl', 'is missing, but snapshot.json was written with one: records after 10 may be lost'])
  writeFileSync(join(dir, 'journal.jsonl'), '')
  await corruption(t, dir, ['is empty or without its header'])
  // put back, it opens with all twelve
  writeFileSync(join(dir, 'journal.jsonl'), journal)
  const s = await ResultStore.open(dir)
  t.equal(s.results().length, 12)
  await s.close()
})

t.test('full disk: a short write is reported, the torn line cut off, the next record appended cleanly, the store reopens', async (t) => {
  const dir = tmp()
  const disk = faultyDisk()
  const s = await ResultStore.open(dir, { compactEvery: 1000, openFile: disk.open })
  await s.recordResult(fakeResult('k1', 1))
  disk.fill()
  const err = await s.recordResult(fakeResult('k2', 2)).catch((e: unknown) => e)
  t.equal(disk.shortWrites, 1, 'the write was short')
  t.match(err, { name: 'StoreWriteError', code: 'E_STORE_WRITE', path: join(dir, 'journal.jsonl') })
  t.match((err as Error).message, /journal\.jsonl: record 2 was not written: ENOSPC/)
  t.equal(s.get('k2'), undefined, 'not in the state either')
  t.ok(readFileSync(join(dir, 'journal.jsonl'), 'utf8').endsWith('}\n'), 'no torn line left')
  disk.free()
  await s.recordResult(fakeResult('k3', 3))
  t.same(keys(await ResultStore.peek(dir)), ['k1', 'k3'])
  abandon(dir)
  const r = await ResultStore.open(dir)
  t.same(r.results().map((x) => x.key).sort(), ['k1', 'k3'], 'reopens with every record whose write returned')
  await r.close()
})

t.test('a torn line that cannot be cut off, or a failed fsync: no record is written after it, and reopening repairs it', async (t) => {
  for (const fault of ['truncate', 'sync'] as const) {
    const dir = tmp()
    const disk = faultyDisk()
    const s = await ResultStore.open(dir, { compactEvery: 1000, openFile: disk.open })
    await s.recordResult(fakeResult('k1', 1))
    if (fault === 'truncate') {
      disk.fill()
      disk.breakTruncate()
    } else disk.breakSync()
    await t.rejects(s.recordResult(fakeResult('k2', 2)), { code: 'E_STORE_WRITE' }, fault)
    disk.free()
    await t.rejects(s.recordResult(fakeResult('k3', 3)), { code: 'E_STORE_WRITE', message: /nothing more is written/ }, `${fault}: later records are refused`)
    abandon(dir)
    const r = await ResultStore.open(dir)
    t.ok(r.get('k1'), `${fault}: the acknowledged record is there`)
    t.equal(r.get('k3'), undefined)
    await r.recordResult(fakeResult('k4', 4))
    await r.close()
    t.ok((await ResultStore.peek(dir)).results.k4)
  }
})

t.test('a snapshot that cannot be written loses nothing: the journal keeps every record and close reports it', async (t) => {
  const dir = tmp()
  const disk = faultyDisk()
  const s = await ResultStore.open(dir, { compactEvery: 2, openFile: disk.open })
  await s.recordResult(fakeResult('k1', 1))
  disk.fill(/snapshot\.json/)
  await s.recordResult(fakeResult('k2', 2)) // durable in the journal; the compaction after it fails and is tried again later
  await s.recordResult(fakeResult('k3', 3))
  t.ok(disk.shortWrites >= 1, 'the snapshot write was short')
  t.same(keys(await ResultStore.peek(dir)), ['k1', 'k2', 'k3'])
  await t.rejects(s.close(), { code: 'E_STORE_WRITE', message: /snapshot\.json: the snapshot was not written/ })
  disk.free()
  const r = await ResultStore.open(dir) // close released the lock all the same
  t.same(r.results().map((x) => x.key).sort(), ['k1', 'k2', 'k3'])
  await r.close()
})

t.test('a 1 GiB journal of zero bytes is refused at the record bound, naming the file and line', async (t) => {
  const dir = await written(2)
  const path = join(dir, 'journal.jsonl')
  writeFileSync(path, '')
  truncateSync(path, 2 ** 30) // sparse: no disk needed
  await corruption(t, dir, ['journal.jsonl', 'line 1: longer than the 16777216 bytes a record may have'])
  // zeros after the records (a file extended by a crash)
  const dir2 = await written(2)
  const p2 = join(dir2, 'journal.jsonl')
  truncateSync(p2, readFileSync(p2).length + 2 ** 30)
  await corruption(t, dir2, ['line 4: longer than the'])
})

t.test('stores written before checksums (format 1) open with their records and are rewritten with checksums', async (t) => {
  const dir = tmp()
  const r1 = fakeResult('k1', 1)
  const state = { lastSeq: 2, results: { k1: r1 }, starts: { k1: 1 }, abandoned: {}, weights: null }
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify({ version: 1, state }))
  writeFileSync(
    join(dir, 'journal.jsonl'),
    [{ seq: 2, type: 'result', result: r1 }, { seq: 3, type: 'started', key: 'k2', at: '' }, { seq: 4, type: 'result', result: fakeResult('k2', 2) }]
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n',
  )
  const s = await ResultStore.open(dir)
  t.same(s.results().map((x) => x.key).sort(), ['k1', 'k2'])
  t.equal(s.starts('k2'), 1)
  t.same(journalLines(dir), [{ journal: 2, after: 4 }], 'the journal is rewritten in the current format')
  t.match(readFileSync(join(dir, 'snapshot.json'), 'utf8'), /^\{"version":2,"state":.*,"sum":"[0-9a-f]{64}"\}\n$/)
  await s.recordResult(fakeResult('k3', 3))
  await s.close()
  t.same(keys(await ResultStore.peek(dir)), ['k1', 'k2', 'k3'])

  // format 1 without a snapshot: a journal from record 1 opens; one starting mid-sequence is damage
  const dir2 = tmp()
  writeFileSync(join(dir2, 'journal.jsonl'), `${JSON.stringify({ seq: 1, type: 'result', result: r1 })}\n`)
  const s2 = await ResultStore.open(dir2)
  t.same(s2.results().map((x) => x.key), ['k1'])
  await s2.close()
  const dir3 = tmp()
  writeFileSync(join(dir3, 'journal.jsonl'), `${JSON.stringify({ seq: 11, type: 'result', result: r1 })}\n`)
  await corruption(t, dir3, ['continues after record 10, but snapshot.json is missing'])

  // a migration cut short (new snapshot written, old journal still there) opens again
  const dir4 = tmp()
  writeFileSync(join(dir4, 'snapshot.json'), JSON.stringify({ version: 1, state }))
  writeFileSync(join(dir4, 'journal.jsonl'), `${JSON.stringify({ seq: 3, type: 'started', key: 'k9', at: '' })}\n`)
  const { writeSnapshot } = await import('../../lib/validator/store/snapshot.js')
  const { openWritable } = await import('../../lib/util/durable-write.js')
  await writeSnapshot(join(dir4, 'snapshot.json'), { ...state, lastSeq: 3, starts: { k1: 1, k9: 1 } }, openWritable, { migrating: true })
  const s4 = await ResultStore.open(dir4)
  t.equal(s4.starts('k9'), 1, 'record 3 applied once')
  await s4.close()
})
