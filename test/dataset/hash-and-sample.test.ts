// The content hash ignores row order and JSON formatting but sees every
// character; sampling is deterministic for a seed.
import t from 'tap'

import { hashRows, readDataset, validateDataset, type DatasetRow } from '../../lib/index.js'
import { jsonl, line } from '../helpers/dataset-rows.js'

const rows: DatasetRow[] = [
  { system: 'Sé breve.', conversations: [{ role: 'user', content: 'Hi "there"' }, { role: 'assistant', content: 'Hello!\nHow can I help?' }] },
  { system: null, conversations: [{ role: 'user', content: '2+2?' }, { role: 'assistant', content: '4' }, { role: 'user', content: 'and 3+3?' }, { role: 'assistant', content: '6 😀' }] },
  { system: null, conversations: [{ role: 'user', content: 'Name a colour.' }, { role: 'assistant', content: 'Blue.' }] },
]
const compact = (r: DatasetRow) => line(r.system === null ? { conversations: r.conversations } : r)

async function hashOf(text: string | Uint8Array): Promise<string> {
  const v = await validateDataset({ jsonl: text })
  if (!v.ok || !v.hash) throw new Error(v.issues.map((i) => i.message).join('\n'))
  return v.hash
}

t.test('hash is independent of row order and JSON formatting', async (t) => {
  const base = await hashOf(jsonl(...rows.map(compact)))
  t.match(base, /^[0-9a-f]{64}$/)
  t.equal(await hashOf(jsonl(compact(rows[2]!), compact(rows[0]!), compact(rows[1]!))), base, 'other row order')
  const pretty = [
    '{ "conversations" : [ { "content" : "Hi \\"there\\"", "role" : "user" } , { "role":"assistant","content":"Hello!\\nHow can I help?" } ] ,\t"system" : "S\\u00e9 breve." }',
    '{"system": null, "conversations": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "and 3+3?"}, {"role": "assistant", "content": "6 \\ud83d\\ude00"}]}',
    '  {"conversations":[{"role":"user","content":"Name a colour."},{"role":"assistant","content":"Blue."}]}  ',
  ]
  t.equal(await hashOf(pretty.join('\r\n')), base, 'whitespace, key order, escapes, null system, CRLF, no final newline')
  t.equal(hashRows(rows), base, 'hashRows on rows in memory')
  const fromArray = await validateDataset({ rows: rows.map((r) => JSON.parse(compact(r))) })
  t.equal(fromArray.hash, base, 'array source')
})

t.test('hash changes with one character, and counts repeated rows', async (t) => {
  const base = await hashOf(jsonl(...rows.map(compact)))
  const changed = rows.map(compact)
  changed[1] = changed[1]!.replace('"4"', '"5"')
  t.not(await hashOf(jsonl(...changed)), base)
  const sys = rows.map(compact)
  sys[0] = sys[0]!.replace('Sé breve.', 'Se breve.')
  t.not(await hashOf(jsonl(...sys)), base)
  const a = hashRows([rows[0]!, rows[0]!, rows[1]!])
  const b = hashRows([rows[0]!, rows[1]!, rows[1]!])
  t.not(a, b)
  t.not(a, hashRows([rows[0]!, rows[1]!]))
  // moving text between the system prompt and a message is a different dataset
  t.not(
    hashRows([{ system: 'ab', conversations: [{ role: 'user', content: 'c' }, { role: 'assistant', content: 'd' }] }]),
    hashRows([{ system: 'a', conversations: [{ role: 'user', content: 'bc' }, { role: 'assistant', content: 'd' }] }]),
  )
})

t.test('a stream cut anywhere, even inside a UTF-8 character, reads the same', async (t) => {
  const bytes = Buffer.from(jsonl(...rows.map(compact)))
  const whole = await readDataset({ jsonl: bytes })
  async function* oneByteAtATime() {
    for (const b of bytes) yield new Uint8Array([b])
  }
  const cut = await readDataset({ stream: oneByteAtATime() })
  t.same(cut.rows, whole.rows)
  t.equal(cut.hash, whole.hash)
  t.equal(cut.bytes, bytes.length)
  t.same(cut.lines, [1, 2, 3])
})

t.test('seeded sampling: deterministic, uniform-size, in source order, hash over all rows', async (t) => {
  const many = Array.from({ length: 50 }, (_, i) => ({ conversations: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] }))
  const text = jsonl(...many.map(line))
  const all = await readDataset({ jsonl: text })
  const s1 = await readDataset({ jsonl: text }, { sample: { maxRows: 10, seed: 7 } })
  const s2 = await readDataset({ jsonl: text }, { sample: { maxRows: 10, seed: 7 } })
  const s3 = await readDataset({ jsonl: text }, { sample: { maxRows: 10, seed: 8 } })
  t.equal(s1.rows.length, 10)
  t.equal(s1.sampled, true)
  t.same(s1.lines, s2.lines, 'same seed, same sample')
  t.notSame(s1.lines, s3.lines, 'another seed, another sample')
  t.same(s1.lines, [...s1.lines].sort((a, b) => a - b), 'kept in source order')
  t.same(s1.rows.map((r) => r.conversations[0]!.content), s1.lines.map((l) => `q${l - 1}`))
  t.equal(s1.hash, all.hash, 'the hash covers every row, not the sample')
  t.equal(s1.rowCount, 50)
  const small = await readDataset({ jsonl: text }, { sample: { maxRows: 100, seed: 7 } })
  t.equal(small.sampled, false)
  t.equal(small.rows.length, 50)
})

t.test('first rows: only the first maxRows valid rows are kept; every row is validated and hashed', async (t) => {
  const many = Array.from({ length: 50 }, (_, i) => ({ conversations: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] }))
  const text = jsonl(...many.map(line))
  const all = await readDataset({ jsonl: text })
  const first = await readDataset({ jsonl: text }, { sample: { maxRows: 10, first: true } })
  t.same(first.lines, Array.from({ length: 10 }, (_, i) => i + 1))
  t.same(first.rows, all.rows.slice(0, 10))
  t.equal(first.sampled, true)
  t.equal(first.hash, all.hash)
  t.equal(first.rowCount, 50)
  const bad = await readDataset({ jsonl: `${text}{"conversations": []}\n` }, { sample: { maxRows: 10, first: true } }).catch((e: Error) => e)
  t.match(bad, { name: 'DatasetError' }, 'a bad row after the kept ones still fails the dataset')
})
