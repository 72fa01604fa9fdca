/** Runs flock-miner in-process with its own stdout and stderr, as the bin would. */
import { Writable } from 'node:stream'

import { runMinerCli } from '../../lib/cli/miner/program.js'
import { repoRoot } from './paths.js'
import { join } from 'node:path'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

class Sink extends Writable {
  text = ''
  isTTY: boolean
  columns = 100
  constructor(tty: boolean) {
    super()
    this.isTTY = tty
  }
  override _write(chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8')
    done()
  }
}

export async function runCli(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stderrTTY?: boolean } = {}): Promise<CliRun> {
  const stdout = new Sink(false)
  const stderr = new Sink(options.stderrTTY ?? false)
  const code = await runMinerCli(argv, { stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? process.cwd() })
  return { code, stdout: stdout.text, stderr: stderr.text }
}

/** The committed btcli-layout test wallet (`fixture`/`default`, the well-known dev phrase). */
export const FIXTURE_WALLET = ['--wallet.path', join(repoRoot, 'test', 'fixtures', 'chain', 'wallets'), '--wallet.name', 'fixture', '--wallet.hotkey', 'default']
export const FIXTURE_HOTKEY = '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV'
/** Every secret the fixture hotkey file holds; none may ever be printed. */
export const FIXTURE_SECRETS = [
  '0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e',
  'fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e',
  '05d65584630d16cd4af6d0bec10f34bb504a5dcb62dba2122d49f5a663763d0a',
  'bottom drive obey lake curtain smoke basket hold race lonely fit walk',
]

export function jsonl(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n'
}
