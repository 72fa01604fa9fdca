/**
 * Cold import time of each entry point of the package, in fresh Node processes: the time
 * from process start to the module being loaded, minus the same for an empty module run in
 * the same invocation (the reference, so a noisy machine shows as noise in both). Also lists
 * the packages the root entry loads. Appends a record to bench/results/import-time.md.
 *
 *   npm run build:ts && node dist/bench/import-time.js [--runs N] [--against CHECKOUT] [--no-record]
 *
 * --against times another checkout's built root entry (CHECKOUT/dist/lib/index.js) in the same
 * runs, e.g. the commit before a change, so the two compare as a ratio on the same machine state.
 */
import { spawnSync } from 'node:child_process'
import { appendFileSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

import { median } from '../lib/bench/stats.js'
import { modulesLoaded, packagesOf } from './import-record.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const { values: opt } = parseArgs({ options: { runs: { type: 'string', default: '15' }, against: { type: 'string' }, 'no-record': { type: 'boolean', default: false } } })
const runs = Number(opt.runs)
if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`--runs must be a positive integer, got ${JSON.stringify(opt.runs)}`)
const record = !opt['no-record']
const against = opt.against
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { import: string } | string> }

/** ms from the process's start to the import's end, measured inside the child. */
function timeImport(url: string | null): number {
  const code = url === null
    ? 'console.log(performance.now())'
    : `await import(${JSON.stringify(url)}); console.log(performance.now())`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`importing ${url} failed:\n${r.stderr}`)
  return Number(r.stdout.trim())
}

const packagesLoaded = (url: string) => packagesOf(modulesLoaded(root, url))

const entries = Object.entries(pkg.exports).filter((e): e is [string, { import: string }] => typeof e[1] === 'object').map(([name, e]) => ({ name: name === '.' ? '@flock/lora' : `@flock/lora${name.slice(1)}`, url: pathToFileURL(join(root, e.import)).href }))
if (against !== undefined) entries.push({ name: `root entry of ${against}`, url: pathToFileURL(join(against, 'dist', 'lib', 'index.js')).href })
const rows: Array<{ name: string; ms: number; min: number; max: number }> = []
const empty: number[] = []
const samples = new Map(entries.map((e) => [e.name, [] as number[]]))
// interleaved, so a change of load on the machine falls on every entry alike
for (let i = 0; i < runs; i++) {
  empty.push(timeImport(null))
  for (const e of entries) samples.get(e.name)!.push(timeImport(e.url) - empty[empty.length - 1]!)
}
for (const e of entries) {
  const xs = samples.get(e.name)!
  rows.push({ name: e.name, ms: median(xs), min: Math.min(...xs), max: Math.max(...xs) })
}
const rootPackages = packagesLoaded(entries[0]!.url)
const lines = [
  `## ${new Date().toISOString()} · cold import time`,
  '',
  `- command: \`node dist/bench/import-time.js --runs ${runs}${against !== undefined ? ` --against ${against}` : ''}\``,
  `- ${runs} runs each, interleaved; an empty module's start-up (median ${median(empty).toFixed(1)} ms) subtracted run by run; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  '',
  '| entry point | median ms | min | max |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| \`${r.name}\` | ${r.ms.toFixed(1)} | ${r.min.toFixed(1)} | ${r.max.toFixed(1)} |`),
  '',
  ...(against !== undefined ? [`Root entry: ${against}'s takes ${(rows[rows.length - 1]!.ms / rows[0]!.ms).toFixed(1)}× this checkout's.`, ''] : []),
  `Packages the root entry loads (${rootPackages.length}): ${rootPackages.map((p) => `\`${p}\``).join(', ')}`,
  '',
]
process.stdout.write(lines.join('\n'))
if (record) appendFileSync(join(root, 'bench', 'results', 'import-time.md'), `${lines.join('\n')}\n`)
