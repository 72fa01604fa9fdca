// `import '@flock/lora'` is the scoring library: it loads no chain, hub-client, queue, metrics, CLI
// or logging package. A child process imports the built entry point under module hooks that record
// every module it resolves (test/helpers/import-recorder.mjs); no resolved module may match the
// pattern of the dependency-cruiser rule `root-entry-is-light` (one list, checked statically there).
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'

import { modulesLoaded as modulesLoaded_, packagesOf } from '../../bench/import-record.js'
import { ensureBuilt } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'

interface Rule { name: string; to: { path: string } }
const rules = (createRequire(import.meta.url)(join(repoRoot, '.dependency-cruiser.cjs')) as { forbidden: Rule[] }).forbidden
const heavy = new RegExp(rules.find((r) => r.name === 'root-entry-is-light')!.to.path)

const modulesLoaded = (entry: string, code = '') => modulesLoaded_(repoRoot, pathToFileURL(join(repoRoot, entry)).href, code)
const packages = packagesOf

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
