// `npm test` starts by checking the machine: on one without the build tools or redis-server
// it fails at once, naming each missing piece with the Debian/Ubuntu line that installs it.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'

import { repoRoot } from '../helpers/paths.js'

const script = join(repoRoot, 'scripts', 'check-test-prereqs.mjs')

t.test('on this machine: nothing missing', async (t) => {
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
})

t.test('without cmake, a compiler and redis-server on the PATH: exit 1, each named with its install line', async (t) => {
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { PATH: '/nonexistent', HOME: process.env.HOME ?? '/' } })
  t.equal(r.status, 1)
  t.match(r.stderr, /cmake is not installed .*sudo apt-get install -y cmake g\+\+ make redis-server/)
  t.match(r.stderr, /no C\+\+17 compiler/)
  t.match(r.stderr, /redis-server is not installed/)
})
