// Compiles the TypeScript into dist/ from nothing, so a moved or deleted source leaves no stale
// module behind (in the package, or as a test that still runs).
//   node scripts/compile.mjs            lib, bin, bench, scripts and test (tsconfig.json): npm test, build:test
//   node scripts/compile.mjs --package  only what the package ships (tsconfig.build.json): prepare, build:ts
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const project = process.argv.includes('--package') ? 'tsconfig.build.json' : 'tsconfig.json'
rmSync(join(root, 'dist'), { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit', cwd: root })
} catch {
  process.exit(1)
}
