import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder holding package.json: tests run from test/ (source) or dist/test/ (compiled). */
export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)))

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'lib'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}
export const referenceDir = join(repoRoot, 'test', 'fixtures', 'reference')

/**
 * The node arguments that run test/helpers/<name>.ts in a child process the way this test runs:
 * its compiled copy under dist/test (npm test), or the source under the TypeScript loader this
 * test file runs with (`node --import @tapjs/typescript/import test/x.test.ts`).
 */
export function helperScript(name: string): string[] {
  if (import.meta.url.endsWith('.ts')) return [...process.execArgv, join(repoRoot, 'test', 'helpers', `${name}.ts`)]
  return [join(repoRoot, 'dist', 'test', 'helpers', `${name}.js`)]
}
