#!/usr/bin/env node
// Builds the native addon (build/Release/flock_lora.node) and the C++ tests.
// cmake-js is the primary build; plain node-gyp (binding.gyp, CPU only) is the
// fallback when CMake is missing or fails. FLOCK_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

if (process.env.FLOCK_SKIP_NATIVE === '1') {
  console.log('[flock] FLOCK_SKIP_NATIVE=1: skipping the native build')
  process.exit(0)
}

function run(cmd, args) {
  console.log(`[flock] ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  return r.status === 0
}

function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0
}

const jobs = String(Math.max(1, Math.min(availableParallelism(), 8)))
const extra = (process.env.FLOCK_CMAKE_ARGS ?? '').split(/\s+/).filter(Boolean).map((a) => `--C${a.replace(/^-/, '')}`)

let ok = false
if (has('cmake')) {
  const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js')
  ok = run(process.execPath, [cmakeJs, 'build', '--out', 'build', '--parallel', jobs, ...extra])
  if (!ok) console.warn('[flock] cmake-js build failed; trying node-gyp (CPU backend only)')
} else {
  console.warn('[flock] cmake not found; building the CPU backend with node-gyp')
}
if (!ok) {
  const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
  ok = existsSync(gyp) && run(process.execPath, [gyp, 'rebuild', '-j', jobs])
}
if (!ok) {
  console.error('[flock] could not build the native addon. Install CMake (>= 3.18) and a C++17 compiler, then run `npm run build:native`.')
  process.exit(1)
}
