// Every hostile input is rejected with a message naming its line (and field).
import { spawn, spawnSync } from 'node:child_process'

import t from 'tap'

import { GOOD, issuesOf, jsonl, line } from '../helpers/dataset-rows.js'

const good = line(GOOD)

t.test('invalid UTF-8 names the line', async (t) => {
  const bad = Buffer.concat([Buffer.from('{"conversations": [{"role": "user", "content": "a'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')])
  const issues = await issuesOf({ jsonl: Buffer.concat([Buffer.from(good + '\n'), bad, Buffer.from('\n' + good + '\n')]) })
  t.same(issues.map((i) => [i.line, i.code]), [[2, 'E_UTF8']])
  t.equal(issues[0]!.message, 'line 2: invalid UTF-8 byte sequence')
})

t.test('a lone surrogate escape names the line and field', async (t) => {
  const issues = await issuesOf({ jsonl: jsonl(good, '{"conversations": [{"role": "user", "content": "x\\ud800y"}, {"role": "assistant", "content": "ok"}]}') })
  t.equal(issues.length, 1)
  t.match(issues[0]!, { line: 2, field: 'conversations[0].content', code: 'E_UTF8' })
  t.match(issues[0]!.message, /^line 2: conversations\[0\]\.content: contains a lone surrogate/)
})

t.test('a NUL byte names the line; an escaped NUL names the field', async (t) => {
  const raw = Buffer.from(jsonl(good, good.replace('Hello!', 'Hel\u0000lo!')))
  const a = await issuesOf({ jsonl: raw })
  t.same(a.map((i) => [i.line, i.code]), [[2, 'E_NUL']])
  t.match(a[0]!.message, /^line 2: NUL byte at byte \d+/)
  const b = await issuesOf({ jsonl: jsonl(good, good, good.replace('Hello!', 'Hel\\u0000lo!')) })
  t.same(b.map((i) => i.message), ['line 3: conversations[1].content: contains a NUL character (\\u0000)'])
})

t.test('duplicate keys are reported with their path, all of them', async (t) => {
  const issues = await issuesOf({
    jsonl: jsonl(
      good,
      '{"conversations": [{"role": "user", "content": "a"}, {"role": "assistant", "role": "user", "content": "b"}]}',
      '{"system": "a", "system": "b", "conversations": []}',
    ),
  })
  t.same(
    issues.map((i) => i.message),
    ['line 2: conversations[1]: duplicate key "role"', 'line 3: duplicate key "system"'],
  )
  t.same(issues.map((i) => i.code), ['E_DUPLICATE_KEY', 'E_DUPLICATE_KEY'])
})

t.test('a huge line is skipped without being kept, and reading goes on', async (t) => {
  const huge = 'x'.repeat(64 * 1024)
  async function* stream() {
    yield good + '\n{"conversations": "'
    for (let i = 0; i < 64; i++) yield huge // 4 MiB on one line, in chunks
    yield '"}\n' + good + '\n[]\n'
  }
  const issues = await issuesOf({ stream: stream() }, { limits: { maxLineBytes: 1024 * 1024 } })
  t.same(issues.map((i) => [i.line, i.code]), [[2, 'E_LINE_TOO_LONG'], [4, 'E_NOT_OBJECT']])
  t.match(issues[0]!.message, /^line 2: line is 4194325 bytes, longer than the limit of 1048576/)
})

t.test('deep nesting names the line and the path where it goes too deep', async (t) => {
  const deep = '{"conversations": ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}'
  const issues = await issuesOf({ jsonl: jsonl(good, deep) }, { limits: { maxDepth: 5 } })
  t.equal(issues.length, 1)
  t.match(issues[0]!, { line: 2, code: 'E_TOO_DEEP', field: 'conversations[0][0][0][0]' })
  t.match(issues[0]!.message, /nesting deeper than 5 levels/)
})

t.test('non-object lines', async (t) => {
  const issues = await issuesOf({ jsonl: jsonl('[]', '"row"', 'null', '42', good, 'true') })
  t.same(
    issues.map((i) => i.message),
    [
      'line 1: expected a JSON object, got an array',
      'line 2: expected a JSON object, got a string',
      'line 3: expected a JSON object, got null',
      'line 4: expected a JSON object, got a number',
      'line 6: expected a JSON object, got a boolean',
    ],
  )
})

t.test('invalid JSON and empty lines name the line', async (t) => {
  const issues = await issuesOf({ jsonl: jsonl(good, '{"conversations": [,]}', '', '   ', "{'a': 1}", good + ' trailing') })
  t.same(issues.map((i) => [i.line, i.code]), [[2, 'E_JSON'], [3, 'E_EMPTY_LINE'], [4, 'E_EMPTY_LINE'], [5, 'E_JSON'], [6, 'E_JSON']])
  t.match(issues[0]!.message, /^line 2: invalid JSON: /)
})

t.test('a byte order mark is rejected', async (t) => {
  const issues = await issuesOf({ jsonl: '\ufeff' + jsonl(good) })
  t.same(issues.map((i) => [i.line, i.code]), [[1, 'E_BOM']])
})

t.test('bad role order names the message and both roles', async (t) => {
  const conv = (roles: string[]) => ({ conversations: roles.map((role, i) => ({ role, content: `m${i}` })) })
  const issues = await issuesOf({
    jsonl: jsonl(
      good,
      good,
      good,
      good,
      good,
      good,
      good,
      good,
      good,
      good,
      good,
      line(conv(['user', 'assistant', 'user', 'user'])),
      line(conv(['assistant', 'user'])),
      line(conv(['user', 'system'])),
    ),
  })
  t.same(issues.map((i) => i.message), [
    'line 12: conversations[3].role: expected "assistant", got "user"',
    'line 13: conversations[0].role: expected "user", got "assistant"',
    'line 13: conversations[1].role: expected "assistant", got "user"',
    'line 14: conversations[1].role: expected "assistant", got "system"',
  ])
  t.ok(issues.every((i) => i.code === 'E_ROLE_ORDER'))
})

t.test('not ending with an assistant message', async (t) => {
  const issues = await issuesOf({ jsonl: jsonl('{"conversations": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]}') })
  t.same(issues.map((i) => i.message), ['line 1: conversations: must end with an assistant message, but message 2 is from the user'])
  const one = await issuesOf({ jsonl: jsonl('{"conversations": [{"role": "user", "content": "a"}]}') })
  t.same(one.map((i) => [i.field, i.code]), [['conversations', 'E_SCHEMA']])
})

t.test('empty or blank content and system', async (t) => {
  const issues = await issuesOf({
    jsonl: jsonl(
      '{"conversations": [{"role": "user", "content": ""}, {"role": "assistant", "content": " \\n\\t"}]}',
      '{"system": "", "conversations": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}',
    ),
  })
  t.same(issues.map((i) => i.message), [
    'line 1: conversations[0].content: must not be empty',
    'line 1: conversations[1].content: must not be only whitespace',
    'line 2: system: must not be empty',
  ])
})

t.test('unknown keys, missing keys and wrong types name the field', async (t) => {
  const issues = await issuesOf({
    jsonl: jsonl(
      '{"conversations": [{"role": "user", "content": "a", "name": "bob"}, {"role": "assistant", "content": "b"}], "id": 7}',
      '{"system": 3, "conversations": [{"role": "user"}, {"content": "b"}]}',
      '{"conversations": {"role": "user"}}',
      '{"system": "s"}',
      '{"conversations": ["hi", {"role": "assistant", "content": 5}]}',
    ),
  })
  t.same(issues.map((i) => i.message), [
    'line 1: id: unknown key (a row has only "system" and "conversations")',
    'line 1: conversations[0].name: unknown key (a message has only "role" and "content")',
    'line 2: system: expected a string or null, got a number',
    'line 2: conversations[0].content: is required',
    'line 2: conversations[1].role: is required',
    'line 3: conversations: expected an array of messages, got an object',
    'line 4: conversations: is required',
    'line 5: conversations[0]: expected an object {"role", "content"}, got a string',
    'line 5: conversations[1].content: expected a string, got a number',
  ])
})

t.test('too many rows names the first line over the limit and stops reading', async (t) => {
  const issues = await issuesOf({ jsonl: jsonl(good, good, good, good, '[not even json') }, { limits: { maxRows: 3, minRows: 1 } })
  t.same(issues.map((i) => i.message), ['line 4: more than the limit of 3 rows'])
  t.equal(issues[0]!.code, 'E_TOO_MANY_ROWS')
})

t.test('too few rows', async (t) => {
  const issues = await issuesOf({ jsonl: '' })
  t.same(issues.map((i) => i.message), ['dataset: has 0 row(s), fewer than the minimum of 1'])
})

t.test('too many turns names the line and field', async (t) => {
  const conv = Array.from({ length: 10 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x' }))
  const issues = await issuesOf({ jsonl: jsonl(good, line({ conversations: conv })) }, { limits: { maxTurns: 8 } })
  t.same(issues.map((i) => i.message), ['line 2: conversations: 10 messages, more than the limit of 8'])
  t.equal(issues[0]!.code, 'E_TOO_MANY_TURNS')
})

t.test('too many characters counts code points and names the field', async (t) => {
  const emoji = '😀'.repeat(10) // 10 code points, 20 UTF-16 units
  const ok = { conversations: [{ role: 'user', content: emoji }, { role: 'assistant', content: 'b' }] }
  const v = await issuesOf({ jsonl: jsonl(line(ok), line({ system: 'y'.repeat(11), conversations: [{ role: 'user', content: 'a' }, { role: 'assistant', content: emoji + 'z' }] })) }, { limits: { maxCharsPerMessage: 10 } })
  t.same(v.map((i) => i.message), [
    'line 2: system: 11 characters, more than the limit of 10',
    'line 2: conversations[1].content: 11 characters, more than the limit of 10',
  ])
  t.ok(v.every((i) => i.code === 'E_TOO_MANY_CHARS'))
})

t.test('too many bytes: a file is refused from its size, a stream where it crosses the limit', async (t) => {
  const text = jsonl(good, good, good)
  const s = await issuesOf({ jsonl: text }, { limits: { maxBytes: good.length * 2 + 5, maxLineBytes: good.length + 1 } })
  t.same(s.map((i) => [i.line, i.code]), [[3, 'E_TOO_LARGE']])
  t.match(s[0]!.message, /^line 3: the dataset is larger than the limit of \d+ bytes/)
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = await mkdtemp(join(tmpdir(), 'flock-ds-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const p = join(dir, 'big.jsonl')
  await writeFile(p, text)
  const f = await issuesOf({ path: p }, { limits: { maxBytes: 100, maxLineBytes: 100 } })
  t.same(f.map((i) => [i.line, i.code]), [[0, 'E_TOO_LARGE']])
  t.match(f[0]!.message, /big\.jsonl is \d+ bytes, larger than the limit of 100/)
})

t.test('an endless stream stops at the byte limit', async (t) => {
  let pulled = 0
  async function* endless() {
    yield good + '\n' + good + '\n{"conversations": "'
    for (;;) {
      pulled++
      yield 'y'.repeat(64 * 1024)
    }
  }
  const issues = await issuesOf({ stream: endless() }, { limits: { maxBytes: 2 * 1024 * 1024, maxLineBytes: 1024 * 1024 } })
  t.same(issues.map((i) => i.message), ['line 3: the dataset is larger than the limit of 2097152 bytes'])
  t.ok(pulled <= 33, `stopped after ${pulled} chunks`)
})

t.test('an unreadable file is an issue, not a crash', async (t) => {
  const issues = await issuesOf({ path: '/nonexistent/flock/data.jsonl' })
  t.same(issues.map((i) => i.code), ['E_READ'])
  t.match(issues[0]!.message, /ENOENT/)
})

t.test('every problem is reported, up to the cap', async (t) => {
  const lines = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? good : '[]'))
  const all = await issuesOf({ jsonl: jsonl(...lines) })
  t.equal(all.length, 20)
  t.same(all.slice(0, 3).map((i) => i.line), [2, 3, 5])
  const { validateDataset } = await import('../../lib/index.js')
  const capped = await validateDataset({ jsonl: jsonl(...lines) }, { maxIssues: 5 })
  t.equal(capped.issues.length, 5)
  t.equal(capped.issuesTruncated, true)
  t.equal(capped.hash, null)
})

t.test('an array source reports rows the same way', async (t) => {
  const issues = await issuesOf({ rows: [GOOD, { conversations: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }, 'x'] })
  t.same(issues.map((i) => i.message), ['row 2: conversations[1].role: expected "assistant", got "user"', 'row 3: expected a JSON object, got a string'])
})

t.test('readDataset throws a DatasetError listing the problems', async (t) => {
  const { readDataset, DatasetError } = await import('../../lib/index.js')
  const err = await readDataset({ jsonl: jsonl(good, '[]', '{"conversations": 1}') }).catch((e: unknown) => e)
  t.ok(err instanceof DatasetError)
  const e = err as InstanceType<typeof DatasetError>
  t.equal(e.code, 'E_DATASET_INVALID')
  t.equal(e.issues.length, 2)
  t.match(e.message, /line 2: expected a JSON object, got an array\n.*line 3: conversations: expected an array of messages, got a number/s)
})

t.test('flock-miner validate --dataset_path /dev/zero: refused at the byte limit, not read until memory runs out', async (t) => {
  // stat says 0 bytes for a device: the cap is on the bytes read
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { defaultCompetitionConfig, mergeCompetitionConfig } = await import('../../lib/index.js')
  const { runCli } = await import('../helpers/miner-cli.js')
  const { checkDataset } = await import('../../lib/miner/dataset-file.js')
  const dir = await mkdtemp(join(tmpdir(), 'flock-ds-dev-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const config = mergeCompetitionConfig(defaultCompetitionConfig, { dataset: { maxBytes: 4 * 1024 * 1024, maxLineBytes: 64 * 1024 } })
  const configPath = join(dir, 'competition.json')
  await writeFile(configPath, JSON.stringify(config))
  const before = process.memoryUsage().rss
  const r = await runCli(['validate', '--dataset_path', '/dev/zero', '--config', configPath, '--json'])
  t.equal(r.code, 1, 'invalid dataset exit code')
  const report = JSON.parse(r.stdout) as { ok: boolean; issues: Array<{ code: string; message: string }> }
  t.equal(report.ok, false)
  t.same(report.issues.map((i) => i.code), ['E_TOO_LARGE'])
  t.match(report.issues[0]!.message, 'larger than the limit of 4194304 bytes')
  const direct = await checkDataset({ path: '/dev/zero', config })
  t.same(direct.issues.map((i) => i.code), ['E_TOO_LARGE'])
  t.ok(process.memoryUsage().rss - before < 512 * 1024 * 1024, 'memory stays near the cap')
  const v = await issuesOf({ path: '/dev/zero' }, { limits: { maxBytes: 1024 * 1024, maxLineBytes: 1024 } })
  t.same(v.map((i) => i.code), ['E_TOO_LARGE'])
})

const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0

t.test('a pipe that never ends is read up to the byte limit', { skip: hasMkfifo ? false : 'mkfifo is not available' }, async (t) => {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = await mkdtemp(join(tmpdir(), 'flock-ds-fifo-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const fifo = join(dir, 'data.jsonl')
  t.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo')
  // a writer that repeats one good row forever
  const writer = spawn('sh', ['-c', `while :; do printf '%s\\n' '${good}'; done > "${fifo}"`], { stdio: 'ignore' })
  t.teardown(() => {
    writer.kill('SIGKILL')
  })
  const issues = await issuesOf({ path: fifo }, { limits: { maxBytes: 256 * 1024, maxLineBytes: 4096, maxRows: 1_000_000 } })
  t.same(issues.map((i) => i.code), ['E_TOO_LARGE'])
})
