// `import '@flock/lora'` is the scoring library: it loads no chain, hub-client, queue, metrics, CLI
// or logging package. A child process imports the built entry point under module hooks that record
// every module it resolves (test/helpers/import-recorder.mjs); no resolved module may match the
// pattern of the dependency-cruiser rule `root-entry-is-light` (one list, checked statically there).
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'

import { ensureBuilt } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'

interface Rule { name: string; to: { path: string } }
const rules = (createRequire(import.meta.url)(join(repoRoot, '.dependency-cruiser.cjs')) as { forbidden: Rule[] }).forbidden
const heavy = new RegExp(rules.find((r) => r.name === 'root-entry-is-light')!.to.path)

function modulesLoaded(entry: string, code: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'flock-imports-'))
  try {
    const log = join(dir, 'imports.log')
    const hooks = pathToFileURL(join(repoRoot, 'test', 'helpers', 'import-recorder.mjs')).href
    const url = pathToFileURL(join(repoRoot, entry)).href
    const r = spawnSync(process.execPath, ['--import', hooks, '--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); ${code}`], {
      encoding: 'utf8', env: { ...process.env, FLOCK_IMPORT_LOG: log },
    })
    if (r.status !== 0) throw new Error(`importing ${entry} failed:\n${r.stderr}`)
    return [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const packageOf = (url: string) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]
const packages = (urls: string[]) => [...new Set(urls.flatMap((u) => packageOf(u) ?? []))].sort()

t.test('the root entry loads none of the chain, hub-client, queue, metrics, CLI or logging packages', async (t) => {
  ensureBuilt()
  const loaded = modulesLoaded('dist/lib/index.js', "if (typeof m.evaluateDataset !== 'function' || typeof m.loadBaseModel !== 'function') throw new Error('no evaluateDataset')")
  t.comment(`root entry loads: ${packages(loaded).join(', ')}`)
  t.same(packages(loaded.filter((u) => heavy.test(u))), [], `nothing matching ${heavy.source}`)
  t.ok(packages(loaded).includes('@huggingface/tokenizers') && packages(loaded).includes('@huggingface/jinja'), 'the tokenizer packages are loaded (the recorder sees packages)')
})

t.test('the heavy packages load from their own entry points (the pattern matches what they load)', async (t) => {
  for (const [entry, name] of [['chain', '@polkadot/api'], ['hub', '@huggingface/hub'], ['evaluator', 'bullmq'], ['metrics', 'prom-client'], ['validator', 'cli-progress']] as const) {
    const matched = packages(modulesLoaded(`dist/lib/${entry}/index.js`, '').filter((u) => heavy.test(u)))
    t.ok(matched.includes(name), `@flock/lora/${entry} loads ${name}`)
  }
})
