/**
 * What a fresh Node process resolves while it imports one module: test/helpers/import-recorder.mjs
 * (module hooks) logs every resolved URL. Used by bench/import-time.ts and the root-import test.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The URLs resolved while importing `url` as `m` and then running `code`, each once, in order. */
export function modulesLoaded(root: string, url: string, code = ''): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'flock-imports-'))
  try {
    const log = join(dir, 'imports.log')
    const hooks = pathToFileURL(join(root, 'test', 'helpers', 'import-recorder.mjs')).href
    const r = spawnSync(process.execPath, ['--import', hooks, '--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); ${code}`], {
      encoding: 'utf8', env: { ...process.env, FLOCK_IMPORT_LOG: log },
    })
    if (r.status !== 0) throw new Error(`importing ${url} failed:\n${r.stderr}`)
    return [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The npm packages among resolved URLs, sorted. */
export function packagesOf(urls: readonly string[]): string[] {
  return [...new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []))].sort()
}
