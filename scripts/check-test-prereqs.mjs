#!/usr/bin/env node
// The first step of `npm test`: checks, in a second, that this machine has what the tests
// need, and names what is missing and how to install it, instead of failing minutes later.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const DEBIAN = 'sudo apt-get install -y cmake g++ make redis-server'

const output = (cmd, args = ['--version']) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  return r.status === 0 ? `${r.stdout}${r.stderr}` : null
}
const version = (text) => (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? '') ?? []).slice(1, 4).map((n) => Number(n ?? 0))
const atLeast = ([a, b, c], [x, y, z]) => a > x || (a === x && (b > y || (b === y && c >= z)))

const problems = []

// package.json engines: ^20.19.0 || ^22.12.0 || >=23 (yargs 18 needs require(esm))
const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node
const node = version(process.versions.node)
const nodeOk = node[0] >= 23 || (node[0] === 22 && atLeast(node, [22, 12, 0])) || (node[0] === 20 && atLeast(node, [20, 19, 0]))
if (!nodeOk) problems.push(`Node ${process.versions.node} is too old: this package needs ${engines} (https://nodejs.org, or nvm install 22)`)

const cmake = output('cmake')
if (!cmake) problems.push(`cmake is not installed (>= 3.18 builds the addon and the C++ tests): ${DEBIAN}`)
else if (!atLeast(version(cmake), [3, 18, 0])) problems.push(`cmake ${version(cmake).join('.')} is too old (>= 3.18): ${DEBIAN}`)

if (![process.env.CXX, 'c++', 'g++', 'clang++'].some((c) => c && output(c))) problems.push(`no C++17 compiler (tried $CXX, c++, g++, clang++): ${DEBIAN}`)

if (!output('redis-server')) problems.push(`redis-server is not installed (the queue tests start their own on 127.0.0.1): ${DEBIAN}`)

/** Newest modification time of the C++ sources the addon is built from. */
function newestNativeSource(dir) {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) newest = Math.max(newest, newestNativeSource(p))
    else if (/\.(cpp|hpp|h|txt)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs)
  }
  return newest
}

const addon = join(root, 'build', 'Release', 'flock_lora.node')
if (!existsSync(join(root, 'node_modules', 'tap'))) problems.push('the npm dependencies are not installed: npm ci (or npm install)')
else if (!process.env.FLOCK_LORA_ADDON) {
  if (!existsSync(addon)) problems.push('the native addon is not built: npm run build:native (npm install builds it)')
  else if (['src', 'addon', 'include'].some((d) => newestNativeSource(join(root, 'native', d)) > statSync(addon).mtimeMs))
    problems.push('the native addon is older than its C++ sources (a pull or merge changed them): npm run build:native')
  else if (existsSync(join(root, 'native', 'test')) && !existsSync(join(root, 'build', 'CTestTestfile.cmake')))
    // node-gyp (binding.gyp, the fallback without CMake) builds the addon but none of the C++ tests
    problems.push('build/ holds an addon built without CMake (node-gyp), so the C++ tests are missing: npm run build:native')
}

if (problems.length > 0) {
  console.error(`npm test: this machine is missing what the tests need:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  process.exit(1)
}
