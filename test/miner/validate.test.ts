// flock-miner validate: every problem with its line and field, exit codes, the JSON report,
// limits taken from the competition config.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { defaultCompetitionConfig, hashRows, mergeCompetitionConfig } from '../../lib/index.js'
import { countingRows } from '../helpers/chat-data.js'
import { jsonl, runCli } from '../helpers/miner-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-miner-validate-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const config = join(dir, 'competition.json')
writeFileSync(config, JSON.stringify(mergeCompetitionConfig(defaultCompetitionConfig, { dataset: { maxCharsPerMessage: 50 } })))

const good = countingRows(5, 1)
const goodLine = JSON.stringify(good[0])
const hostile = Buffer.concat([
  Buffer.from(
    [
      goodLine, // 1
      '{"conversations":[{"role":"assistant","content":"hi"}]}', // 2
      'not json', // 3
      '{"system":5,"conversations":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"extra":1}', // 4
      '', // 5
      '[1,2]', // 6
      '{"conversations":[],"conversations":[]}', // 7
      `{"conversations":[{"role":"user","content":"q"},{"role":"assistant","content":"${'x'.repeat(51)}"}]}`, // 8
      '{"conversations":[{"role":"user","content":"q"},{"role":"user","content":""}]}', // 9
    ].join('\n') + '\n',
  ),
  Buffer.from('{"conversations":[{"role":"user","content":"\u0000"}]}\n'.replace('\\u0000', '\0')), // 10: a raw NUL byte
  Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d, 0x0a]), // 11: {"\xff\xfe":1} — not UTF-8
])
const hostilePath = join(dir, 'hostile.jsonl')
writeFileSync(hostilePath, hostile)

// What a reader of the file expects, worked out by hand: [line, field, code].
const expected: Array<[number, string | null, string]> = [
  [2, 'conversations[0].role', 'E_ROLE_ORDER'],
  [3, null, 'E_JSON'],
  [4, 'system', 'E_SCHEMA'],
  [4, 'extra', 'E_SCHEMA'],
  [5, null, 'E_EMPTY_LINE'],
  [6, null, 'E_NOT_OBJECT'],
  [7, null, 'E_DUPLICATE_KEY'], // the message names the key
  [8, 'conversations[1].content', 'E_TOO_MANY_CHARS'],
  [9, 'conversations[1].role', 'E_ROLE_ORDER'],
  [9, 'conversations[1].content', 'E_SCHEMA'],
  [10, null, 'E_NUL'],
  [11, null, 'E_UTF8'],
]

t.test('a hostile file: every problem with its line and field, exit code 1', async (t) => {
  const r = await runCli(['validate', '--dataset_path', hostilePath, '--config', config])
  t.equal(r.code, 1)
  const lines = r.stdout.trim().split('\n')
  t.match(lines[0], /hostile\.jsonl: INVALID — \d+ problem\(s\)$/)
  for (const [line, field, code] of expected) {
    const shown = lines.some((l) => l.startsWith(`  line ${line}: ${field ? `${field}: ` : ''}`) && l.endsWith(`[${code}]`))
    t.ok(shown, `line ${line} ${field ?? '(whole line)'} ${code} is printed`)
  }
  t.notOk(lines.some((l) => l.startsWith('  line 1:')), 'the good line has no problem')

  const j = await runCli(['validate', '--dataset_path', hostilePath, '--config', config, '--json'])
  t.equal(j.code, 1)
  const report = JSON.parse(j.stdout)
  t.same(Object.keys(report).sort(), ['bytes', 'contentHash', 'issues', 'issuesTruncated', 'limits', 'ok', 'path', 'rows', 'tokenized'])
  t.match(report, { ok: false, path: hostilePath, rows: 11, contentHash: null, issuesTruncated: false, limits: { maxCharsPerMessage: 50, maxRows: 100_000 }, tokenized: null })
  for (const [line, field, code] of expected)
    t.ok(report.issues.some((i: { line: number; field: string | null; code: string }) => i.line === line && i.field === field && i.code === code), `JSON has ${line} ${field} ${code}`)
  for (const i of report.issues) t.same(Object.keys(i).sort(), ['code', 'field', 'line', 'message'])
  t.equal(lines.length - 1, report.issues.length, 'text and JSON list the same problems')
  t.equal(j.stderr, '', 'nothing on stderr')
})

t.test('the cap on problems is said, and the limits come from the config', async (t) => {
  const r = await runCli(['validate', '--dataset_path', hostilePath, '--config', config, '--max_issues', '3', '--json'])
  const report = JSON.parse(r.stdout)
  t.equal(report.issues.length, 3)
  t.equal(report.issuesTruncated, true)
  const text = await runCli(['validate', '--dataset_path', hostilePath, '--config', config, '--max_issues', '3'])
  t.match(text.stdout, /INVALID — 3\+ problem\(s\)[\s\S]*stopped at the cap/)
  // line 8 is fine under the default limits
  const d = JSON.parse((await runCli(['validate', '--dataset_path', hostilePath, '--json'])).stdout)
  t.notOk(d.issues.some((i: { code: string }) => i.code === 'E_TOO_MANY_CHARS'))
})

t.test('a good file: exit 0, its content hash', async (t) => {
  const path = join(dir, 'good.jsonl')
  writeFileSync(path, jsonl(good))
  const r = await runCli(['validate', '--dataset_path', path, '--config', config])
  t.equal(r.code, 0)
  t.equal(r.stdout, `${path}: valid — 5 rows, ${Buffer.byteLength(jsonl(good))} B, content hash ${hashRows(good)}\n`)
  const j = JSON.parse((await runCli(['validate', '--dataset_path', path, '--json'])).stdout)
  t.match(j, { ok: true, rows: 5, contentHash: hashRows(good), issues: [], issuesTruncated: false })
})

t.test('a missing file is a problem of the dataset; bad flags are usage errors', async (t) => {
  const r = await runCli(['validate', '--dataset_path', join(dir, 'nope.jsonl'), '--json'])
  t.equal(r.code, 1)
  t.match(JSON.parse(r.stdout).issues, [{ line: 0, code: 'E_READ' }])
  const u = await runCli(['validate'])
  t.equal(u.code, 2)
  t.match(u.stderr, /Missing required argument: dataset_path/)
  t.equal(u.stdout, '')
  const h = await runCli(['--help'])
  t.equal(h.code, 0)
  t.match(h.stdout, /validate[\s\S]*preview[\s\S]*submit/)
})
