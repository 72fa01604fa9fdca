// Runs the C++ test binaries (built by `npm install` into build/) under ctest,
// one tap assertion per ctest test.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

import { repoRoot } from './helpers/paths.js'

const buildDir = join(repoRoot, 'build')

t.test('C++ tests under ctest', (t) => {
  t.ok(existsSync(join(buildDir, 'CTestTestfile.cmake')), 'build/ holds a CMake build with tests (npm install made it)')
  const r = spawnSync('ctest', ['--test-dir', buildDir, '--output-on-failure', '-V'], { encoding: 'utf8', timeout: 300_000 })
  const out = `${r.stdout}${r.stderr}`
  const results = [...out.matchAll(/Test\s+#\d+: (\S+) \.+\s*(\**\s*)?(Passed|Failed|\S+)/g)]
  t.ok(results.length >= 3, `ctest ran ${results.length} tests`)
  for (const m of results) t.equal(m[3], 'Passed', `ctest ${m[1]}`)
  if (r.status !== 0) t.comment(out)
  t.equal(r.status, 0, 'ctest exit status')
  t.end()
})
