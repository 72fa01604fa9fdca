// The real entry point: the shipped bin (dist/bin/flock-miner.js) sets the process exit code and writes the result to stdout.
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

import { writeTinyModel } from '../../lib/index.js'
import { binPath, runBin } from '../helpers/bin.js'
import { countingRows } from '../helpers/chat-data.js'
import { repoRoot } from '../helpers/paths.js'

t.test('flock-miner validate exits 1 on an invalid file, with the JSON report on stdout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-miner-bin-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'bad.jsonl')
  writeFileSync(file, '{"conversations": [{"role": "assistant", "content": "hi"}, {"role": "user", "content": "x"}]}\n')
  const r = await promisify(execFile)(process.execPath, [binPath('flock-miner'), 'validate', '--dataset_path', file, '--json'], { cwd: repoRoot })
    .then(() => ({ code: 0, stdout: '' }), (e: { code: number; stdout: string }) => e)
  t.equal(r.code, 1)
  t.match(JSON.parse(r.stdout), { ok: false, issues: [{ line: 1, field: 'conversations[0].role', code: 'E_ROLE_ORDER' }, { line: 1, field: 'conversations[1].role' }] })
})

t.test('flock-miner validate --model: SIGTERM while a looping chat template is rendered ends it, exit 130', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-miner-bin-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const model = join(dir, 'model')
  await writeTinyModel(model, { arch: 'qwen2', seed: 1 })
  const configPath = join(model, 'tokenizer_config.json')
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { chat_template: string }
  // every row takes the whole step budget (about a second): 500 rows are minutes of work
  writeFileSync(configPath, JSON.stringify({ ...config, chat_template: `{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}${config.chat_template}` }))
  const file = join(dir, 'rows.jsonl')
  writeFileSync(file, countingRows(500, 1).map((r) => JSON.stringify(r)).join('\n') + '\n')
  const child = spawn(process.execPath, [binPath('flock-miner'), 'validate', '--dataset_path', file, '--model', model, '--logging.debug'], { cwd: repoRoot })
  let stderr = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  await new Promise<void>((resolve) =>
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes('validate: tokenizing every row')) resolve()
    }),
  )
  child.kill('SIGTERM')
  t.equal(await exited, 130, 'the signal handler ran: tokenizing does not hold the event loop')
  t.match(stderr, /flock-miner: tokenization was cancelled \[E_CANCELLED\]/)
})

t.test('flock-miner --local --state-dir ~/x: ~ is the home folder, as for flock-validator, not a folder named ~ in the working one', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'flock-miner-home-'))
  const cwd = mkdtempSync(join(tmpdir(), 'flock-miner-cwd-'))
  t.teardown(() => [home, cwd].forEach((d) => rmSync(d, { recursive: true, force: true })))
  const file = join(cwd, 'rows.jsonl')
  writeFileSync(file, countingRows(12, 1).map((r) => JSON.stringify(r)).join('\n') + '\n')
  const r = await runBin('flock-miner', ['validate', '--local', '--state-dir', '~/flock-state', '--dataset_path', file, '--json'], { cwd, env: { HOME: home } })
  t.equal(r.code, 0, r.stderr)
  t.ok(existsSync(join(home, 'flock-state', 'local', 'chain.json')), 'the local subnet is under $HOME/flock-state')
  t.notOk(existsSync(join(cwd, '~')), 'no folder named ~ in the working folder')
})
