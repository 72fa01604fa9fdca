// `flock-validator worker` runs the queue worker's own flags, not the validator's.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'

import { binPath } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'

t.test('flock-validator worker --help', async (t) => {
  const out = execFileSync(process.execPath, [binPath('flock-validator'), 'worker', '--help'], { encoding: 'utf8' })
  t.match(out, /flock-validator worker/)
  t.match(out, /--redis\.url/)
  t.match(out, /--devices/)
  t.notMatch(out, /--demo/, 'the validator-only flags are not offered')
})
