#!/usr/bin/env node
// Builds the native addon (build/Release/flock_lora.node), and in a source checkout the C++
// tests too. cmake-js is the primary build; plain node-gyp (binding.gyp, CPU only) is the
// fallback when CMake is missing or fails. Works the same from a git checkout and from an
// installed package (dependencies hoisted into the project's node_modules).
// FLOCK_SKIP_NATIVE=1 skips the build; FLOCK_CMAKE_ARGS passes -D options to CMake.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))

if (process.env.FLOCK_SKIP_NATIVE === '1') {
  console.log('[flock] FLOCK_SKIP_NATIVE=1: skipping the native build')
  process.exit(0)
}

function run(cmd, args) {
  console.log(`[flock] ${cmd} ${args.join(' ')}`)
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status === 0
}

const has = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0

/** A package's file, found as Node resolves it from this package (nested or hoisted). */
function resolveFrom(pkg, file) {
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), file)
  } catch {
    return null
  }
}

const compiler = [process.env.CXX, 'c++', 'g++', 'clang++'].find((c) => c && has(c))
const cmake = has('cmake')
if (!compiler) {
  console.error('[flock] no C++17 compiler found (tried $CXX, c++, g++, clang++). Install one, e.g. on Debian/Ubuntu: sudo apt-get install -y g++ cmake')
  process.exit(1)
}

const jobs = String(Math.max(1, Math.min(availableParallelism(), 8)))
const extra = (process.env.FLOCK_CMAKE_ARGS ?? '').split(/\s+/).filter(Boolean).map((a) => `--C${a.replace(/^-/, '')}`)
// the C++ tests need the repository's test fixtures: built in a source checkout only
const tests = process.env.FLOCK_BUILD_TESTS ?? (existsSync(join(root, 'test')) ? 'ON' : 'OFF')

let ok = false
if (cmake) {
  const cmakeJs = resolveFrom('cmake-js', join('bin', 'cmake-js'))
  if (!cmakeJs) console.warn('[flock] cmake-js is not installed with this package; trying node-gyp (CPU backend only)')
  else {
    ok = run(process.execPath, [cmakeJs, 'build', '--out', 'build', '--parallel', jobs, `--CDFLOCK_BUILD_TESTS=${tests}`, ...extra])
    if (!ok) console.warn('[flock] cmake-js build failed; trying node-gyp (CPU backend only)')
  }
} else {
  console.warn('[flock] cmake not found; building the CPU backend with node-gyp (install CMake >= 3.18 for the CUDA backend)')
}
if (!ok) {
  // npm hands its own node-gyp to install scripts; a node-gyp installed beside us works too
  const gyp = process.env.npm_config_node_gyp ?? resolveFrom('node-gyp', join('bin', 'node-gyp.js'))
  ok = !!gyp && existsSync(gyp) && run(process.execPath, [gyp, 'rebuild', '-j', jobs])
}
if (!ok) {
  const missing = cmake ? 'the cmake-js and node-gyp builds both failed (see above)' : 'CMake is not installed and the node-gyp build failed (see above)'
  console.error(`[flock] could not build the native addon: ${missing}. Needs CMake >= 3.18 and a C++17 compiler (Debian/Ubuntu: sudo apt-get install -y cmake g++), then \`npm run build:native\`.`)
  process.exit(1)
}
