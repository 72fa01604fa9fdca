/** Builds an HfHub + HubCache against a FakeHfHub with short timeouts, and captures logs. */
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'

import { pino } from 'pino'

import { HfHub, HubCache, type HubCacheOptions } from '../../lib/hub/index.js'
import { FakeHfHub, type FakeHubOptions } from './fake-hf-hub.js'

export const TOKEN = 'hf_TestSecretToken0123456789abcdef'

export interface HubFixture {
  server: FakeHfHub
  hub: HfHub
  cache: HubCache
  cacheDir: string
  /** Every log line written so far. */
  logs: () => string
}

export async function startHubFixture(
  options: FakeHubOptions & { clientToken?: string; cache?: Partial<HubCacheOptions> } = {},
): Promise<HubFixture> {
  const server = await FakeHfHub.start({ token: TOKEN, ...options })
  const hub = new HfHub({ hubUrl: server.url, token: options.clientToken ?? TOKEN, env: {}, envFile: '/nonexistent/.env', requestTimeoutMs: 2_000 })
  const cacheDir = mkdtempSync(join(tmpdir(), 'flock-hub-cache-'))
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const cache = new HubCache({
    hub,
    cacheDir,
    retry: { retries: 3, minDelayMs: 5, maxDelayMs: 20, deadlineMs: 10_000 },
    stallTimeoutMs: 300,
    logger: pino({ level: 'debug' }, sink),
    ...options.cache,
  })
  return { server, hub, cache, cacheDir, logs: () => lines.join('') }
}

/** A small regular file and an LFS one (at lfsThreshold 2048) for download tests. */
export const SMALL_JSONL = Buffer.from('{"conversations":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n'.repeat(8))
export const LARGE_JSONL = Buffer.from('{"conversations":[{"role":"user","content":"x"},{"role":"assistant","content":"y"}]}\n'.repeat(100))
export const sha256Of = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** A fixture whose dataset `name` has one commit with small.jsonl (regular), large.jsonl (LFS) and `extra`. */
export async function seededHubFixture(t: { teardown: (fn: () => unknown) => void }, name: string, extra: Record<string, Buffer> = {}) {
  const fx = await startHubFixture({ lfsThreshold: 2048 })
  t.teardown(() => fx.server.close())
  const sha = fx.server.seed('dataset', name, { 'small.jsonl': SMALL_JSONL, 'large.jsonl': LARGE_JSONL, ...extra })
  return { ...fx, sha }
}
