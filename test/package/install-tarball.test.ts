// The package as another project installs it: `npm pack`, then a fresh project installs the
// tarball (its install script builds the addon from the installed copy: cmake-js found among
// the package's own dependencies, every file the build needs in the tarball) and runs the
// README's example against it. Offline: the consumer gets a lockfile made from ours, so npm
// takes every dependency from the npm cache that `npm ci` of this checkout filled.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { ensureBuilt } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'

interface LockEntry {
  version?: string
  dev?: boolean
  [k: string]: unknown
}

const dir = mkdtempSync(join(tmpdir(), 'flock-pack-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } })

t.test('npm pack, install the tarball in a fresh project, run the README example against it', async (t) => {
  // dist/ as npm test built it (prepare would rebuild it under the feet of tests running beside this one)
  ensureBuilt()
  const packed = npm(['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], repoRoot)
  t.equal(packed.status, 0, `npm pack${packed.status === 0 ? '' : `\n${packed.stderr.slice(-3000)}`}`)
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
  const files = new Set(info!.files.map((f) => f.path))
  for (const needed of ['CMakeLists.txt', 'native/CMakeLists.txt', 'native/sources.txt', 'binding.gyp', 'scripts/build-native.mjs', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/bin/flock-validator.js'])
    t.ok(files.has(needed), `the tarball holds ${needed}`)
  t.notOk([...files].some((f) => f.startsWith('test/') || f.startsWith('build/')), 'no tests, no build outputs')

  const tarball = join(dir, info!.filename)
  const consumer = join(dir, 'consumer')
  const ours = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; engines: unknown; license: string }
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
  const spec = `file:${tarball}`
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { [ours.name]: spec } },
    [`node_modules/${ours.name}`]: { version: ours.version, resolved: spec, integrity, hasInstallScript: true, license: ours.license, dependencies: ours.dependencies, engines: ours.engines },
  }
  for (const [key, entry] of Object.entries(lock.packages)) if (key.startsWith('node_modules/') && !entry.dev) packages[key] = entry
  execFileSync('mkdir', ['-p', consumer])
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', dependencies: { [ours.name]: spec } }, null, 2))
  writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2))

  const installed = npm(['ci', '--offline', '--foreground-scripts'], consumer)
  t.equal(installed.status, 0, `npm ci of the tarball, offline${installed.status === 0 ? '' : `\n${installed.stdout.slice(-4000)}\n${installed.stderr.slice(-4000)}`}`)
  t.match(installed.stdout, /\[flock\] .*cmake-js.* build/, 'the install script built the addon with cmake-js')

  copyFileSync(join(repoRoot, 'examples', 'evaluate-dataset.mjs'), join(consumer, 'example.mjs'))
  const example = spawnSync(process.execPath, ['example.mjs'], { cwd: consumer, encoding: 'utf8', timeout: 120_000, env: { ...process.env, FLOCK_LORA_ADDON: '' } })
  t.equal(example.status, 0, example.stderr)
  t.match(example.stdout, /^eval loss \d+\.\d{4} \(example-mean\), base model \d+\.\d{4}\n10 steps over 40 rows, dataset [0-9a-f]{12}\n$/, 'the README example runs against the installed copy')
  // every entry point imports from the installed copy, and its types resolve through `exports`
  const entries = Object.keys((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports)
    .filter((k) => k !== './package.json').map((k) => (k === '.' ? ours.name : `${ours.name}${k.slice(1)}`))
  const imports = spawnSync(process.execPath, ['--input-type=module', '-e', `for (const e of ${JSON.stringify(entries)}) { const m = await import(e); if (Object.keys(m).length === 0) throw new Error(e + ' exports nothing') }`], { cwd: consumer, encoding: 'utf8', timeout: 120_000 })
  t.equal(imports.status, 0, `import ${entries.join(', ')}${imports.status === 0 ? '' : `\n${imports.stderr}`}`)
  writeFileSync(join(consumer, 'types.ts'), [
    "import { evaluateDataset, type EvalResult } from '@flock/lora'",
    "import { SubtensorChain } from '@flock/lora/chain'",
    "import { HfHub } from '@flock/lora/hub'",
    "import { assembleValidator } from '@flock/lora/validator'",
    "import { submitDataset } from '@flock/lora/miner'",
    "import { EvaluationQueue } from '@flock/lora/evaluator'",
    "import { FlockMetrics } from '@flock/lora/metrics'",
    "import { embeddedCompetition } from '@flock/lora/competition'",
    "import { openLocalNetwork } from '@flock/lora/local-subnet'",
    'export const used: unknown[] = [evaluateDataset, SubtensorChain, HfHub, assembleValidator, submitDataset, EvaluationQueue, FlockMetrics, embeddedCompetition, openLocalNetwork]',
    'export type Result = EvalResult',
    '',
  ].join('\n'))
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['types.ts'] }))
  const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: consumer, encoding: 'utf8', timeout: 120_000 })
  t.equal(tsc.status, 0, `the types of every entry point resolve (tsc, NodeNext)${tsc.status === 0 ? '' : `\n${tsc.stdout}`}`)
})
