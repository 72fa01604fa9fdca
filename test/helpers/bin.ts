/**
 * The shipped CLIs as a user runs them: `node dist/bin/<name>.js` (what `npx flock-…` runs
 * once installed), spawned as child processes. `npm test` compiles dist/ before tap runs;
 * a test file run on its own rebuilds it first when a source is newer than the build.
 */
import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { repoRoot } from './paths.js'

export type BinName = 'flock-validator' | 'flock-miner' | 'flock-bench'

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

let fresh = false

/** Compiles lib/ and bin/ to dist/ when a source is newer than the build (once per test process). */
export function ensureBuilt(): void {
  if (fresh) return
  const built = (name: BinName) => {
    try {
      return statSync(join(repoRoot, 'dist', 'bin', `${name}.js`)).mtimeMs
    } catch {
      return 0
    }
  }
  const oldestBin = Math.min(built('flock-validator'), built('flock-miner'), built('flock-bench'))
  if (oldestBin < Math.max(...['lib', 'bin', 'scripts', 'bench'].map((d) => newestMtime(join(repoRoot, d))))) {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repoRoot, 'tsconfig.build.json')], { stdio: 'inherit' })
  }
  fresh = true
}

export function binPath(name: BinName): string {
  ensureBuilt()
  return join(repoRoot, 'dist', 'bin', `${name}.js`)
}

/** A script of scripts/, compiled (`node dist/scripts/<name>.js`, as the README shows). */
export function scriptPath(name: 'make-tiny-model'): string {
  ensureBuilt()
  return join(repoRoot, 'dist', 'scripts', `${name}.js`)
}

export interface BinRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface BinOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** ms before the child is killed with SIGKILL (the test then fails on its exit code). Default 120 s. */
  timeoutMs?: number
}

/** Runs a CLI to its end and collects its output. */
export function runBin(name: BinName, args: readonly string[], options: BinOptions = {}): Promise<BinRun> {
  const child = startBin(name, args, options)
  return child.exit
}

export interface BinProcess {
  readonly stdoutLines: string[]
  readonly stderr: () => string
  readonly exit: Promise<BinRun>
  kill(signal: NodeJS.Signals): void
}

/** Starts a CLI and hands back its stdout lines as they come. */
export function startBin(name: BinName, args: readonly string[], options: BinOptions = {}): BinProcess {
  const child = spawn(process.execPath, [binPath(name), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const stdoutLines: string[] = []
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
    partial += d
    const lines = partial.split('\n')
    partial = lines.pop()!
    stdoutLines.push(...lines)
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const exit = new Promise<BinRun>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    }),
  )
  return { stdoutLines, stderr: () => stderr, exit, kill: (s) => child.kill(s) }
}

/** The JSON lines a `--json` run printed. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
}
