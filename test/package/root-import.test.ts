// `import '@flock/lora'` is the scoring library: it loads no chain, queue, metrics, CLI or logging
// package. A child process imports the built entry point under module hooks that record every
// module it resolves (test/helpers/import-recorder.mjs); the list is checked package by package.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'

import { ensureBuilt } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'

const HEAVY = ['@polkadot/api', '@polkadot/util-crypto', '@polkadot/keyring', 'bullmq', 'ioredis', 'prom-client', 'yargs', 'pino', '@huggingface/hub']

function packagesLoaded(entry: string, code: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'flock-imports-'))
  try {
    const log = join(dir, 'imports.log')
    const hooks = pathToFileURL(join(repoRoot, 'test', 'helpers', 'import-recorder.mjs')).href
    const url = pathToFileURL(join(repoRoot, entry)).href
    const r = spawnSync(process.execPath, ['--import', hooks, '--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); ${code}`], {
      encoding: 'utf8', env: { ...process.env, FLOCK_IMPORT_LOG: log },
    })
    if (r.status !== 0) throw new Error(`importing ${entry} failed:\n${r.stderr}`)
    const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean)
    return [...new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []))].sort()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

t.test('the root entry loads none of the chain, queue, metrics, CLI or logging packages', async (t) => {
  ensureBuilt()
  const loaded = packagesLoaded('dist/lib/index.js', "if (typeof m.evaluateDataset !== 'function' || typeof m.loadBaseModel !== 'function') throw new Error('no evaluateDataset')")
  t.comment(`root entry loads: ${loaded.join(', ')}`)
  for (const name of HEAVY) t.notOk(loaded.includes(name), `${name} is not loaded`)
  t.ok(loaded.includes('@huggingface/tokenizers') && loaded.includes('@huggingface/jinja'), 'the tokenizer packages are (the recorder sees packages)')
})

t.test('the heavy packages load from their own entry points', async (t) => {
  t.ok(packagesLoaded('dist/lib/chain/index.js', '').includes('@polkadot/api'), '@flock/lora/chain loads @polkadot/api')
  t.ok(packagesLoaded('dist/lib/evaluator/index.js', '').includes('bullmq'), '@flock/lora/evaluator loads bullmq')
  t.ok(packagesLoaded('dist/lib/metrics/index.js', '').includes('prom-client'), '@flock/lora/metrics loads prom-client')
})
