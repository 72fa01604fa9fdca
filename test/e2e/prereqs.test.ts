// `npm test` starts by checking the machine: on one without the build tools or redis-server
// it fails at once, naming each missing piece with the Debian/Ubuntu line that installs it.
import { spawnSync } from 'node:child_process'
import { readFileSync, utimesSync } from 'node:fs'
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

t.test('an addon older than its C++ sources (after a pull or merge) is named with the command that rebuilds it', async (t) => {
  // a copy of the script in a checkout of its own: package.json, node_modules, an old addon, a newer source
  const fake = t.testdir({
    'package.json': readFileSync(join(repoRoot, 'package.json'), 'utf8'),
    scripts: { 'check-test-prereqs.mjs': readFileSync(script, 'utf8') },
    node_modules: { tap: {} },
    build: { Release: { 'flock_lora.node': 'old' } },
    native: { src: { 'model.cpp': '// newer' }, addon: {}, include: {} },
  })
  utimesSync(join(fake, 'build', 'Release', 'flock_lora.node'), new Date(0), new Date(0))
  const r = spawnSync(process.execPath, [join(fake, 'scripts', 'check-test-prereqs.mjs')], { encoding: 'utf8' })
  t.equal(r.status, 1)
  t.match(r.stderr, /the native addon is older than its C\+\+ sources .*npm run build:native/)
  utimesSync(join(fake, 'native', 'src', 'model.cpp'), new Date(0), new Date(0))
  utimesSync(join(fake, 'build', 'Release', 'flock_lora.node'), new Date(), new Date())
  t.equal(spawnSync(process.execPath, [join(fake, 'scripts', 'check-test-prereqs.mjs')], { encoding: 'utf8' }).status, 0, 'rebuilt: nothing missing')
})

t.test('an addon built by node-gyp (no CMake tree, so no C++ tests) is named with the command that rebuilds it', async (t) => {
  const checkout = (withCtest: boolean) => t.testdir({
    'package.json': readFileSync(join(repoRoot, 'package.json'), 'utf8'),
    scripts: { 'check-test-prereqs.mjs': readFileSync(script, 'utf8') },
    node_modules: { tap: {} },
    build: { Release: { 'flock_lora.node': 'addon' }, ...(withCtest ? { 'CTestTestfile.cmake': '# ctest' } : { 'binding.Makefile': 'node-gyp' }) },
    native: { src: {}, addon: {}, include: {}, test: { 'test_layers.cpp': '// a C++ test' } },
  })
  const gyp = spawnSync(process.execPath, [join(checkout(false), 'scripts', 'check-test-prereqs.mjs')], { encoding: 'utf8' })
  t.equal(gyp.status, 1)
  t.match(gyp.stderr, /build\/ holds an addon built without CMake \(node-gyp\), so the C\+\+ tests are missing: npm run build:native/)
  t.equal(spawnSync(process.execPath, [join(checkout(true), 'scripts', 'check-test-prereqs.mjs')], { encoding: 'utf8' }).status, 0, 'a CMake build: nothing missing')
})
