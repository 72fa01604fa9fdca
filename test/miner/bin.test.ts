// The real entry point: the shipped bin (dist/bin/flock-miner.js) sets the process exit code and writes the result to stdout.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

import { binPath } from '../helpers/bin.js'
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
