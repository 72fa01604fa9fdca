import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import t from 'tap'

import { datasetRepo, HubAuthError, HubFileTooLargeError, HubIntegrityError, HubNotFoundError, HubTimeoutError, HubTruncatedError, publishDataset } from '../../lib/hub/index.js'
import { LARGE_JSONL, seededHubFixture, sha256Of, SMALL_JSONL, startHubFixture } from '../helpers/hub-setup.js'

const REPO = 'miner/faults'
const repo = datasetRepo(REPO)
const small = SMALL_JSONL
const large = LARGE_JSONL
const sha256 = sha256Of

/** A fixture with one regular file (small.jsonl) and one LFS file (large.jsonl) in one commit. */
const setup = (t: { teardown: (fn: () => unknown) => void }) => seededHubFixture(t, REPO)

/** Nothing but finished blobs and records may be left in the cache after a failure. */
function leftovers(cacheDir: string): string[] {
  const blobs = join(cacheDir, 'datasets--miner--faults', 'blobs')
  return existsSync(blobs) ? readdirSync(blobs).filter((f) => f.endsWith('.incomplete')) : []
}

t.test('404: a missing file fails at once with its repo, sha, path and status', async (t) => {
  const fx = await setup(t)
  const err = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'nope.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.type(err, HubNotFoundError)
  t.match(err, { code: 'E_HUB_NOT_FOUND', repo: `datasets/${REPO}`, sha: fx.sha, path: 'nope.jsonl' })
  t.match((err as Error).message, `datasets/${REPO}`)
  t.match((err as Error).message, fx.sha)
  t.match((err as Error).message, 'nope.jsonl')
  t.equal(fx.server.count('paths-info'), 1, 'not retried')

  const gone = await fx.cache.downloadFile({ repo: datasetRepo('miner/none'), sha: fx.sha, path: 'x', maxBytes: 10 }).catch((e: unknown) => e)
  t.match(gone, { code: 'E_HUB_NOT_FOUND', status: 404 })
  t.match((gone as Error).message, /HTTP 404/)

  // The listing said the file exists, but its body answers 404: also not retried.
  fx.server.fault('resolve', { kind: 'status', status: 404 })
  const body404 = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.match(body404, { code: 'E_HUB_NOT_FOUND', status: 404, path: 'small.jsonl' })
  t.equal(fx.server.count('resolve'), 1)
})

t.test('401: a bad token fails at once with an auth error', async (t) => {
  const fx = await startHubFixture({ clientToken: 'hf_WrongTokenWrongToken0000' })
  t.teardown(() => fx.server.close())
  const sha = fx.server.seed('dataset', REPO, { 'small.jsonl': small })
  const err = await fx.cache.downloadFile({ repo, sha, path: 'small.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.type(err, HubAuthError)
  t.match(err, { code: 'E_HUB_AUTH', status: 401 })
  t.equal(fx.server.count('paths-info'), 1, 'not retried')

  const publish = await publishDataset(fx.hub, { repo, content: 'x' }).catch((e: unknown) => e)
  t.match(publish, { code: 'E_HUB_AUTH', status: 401 })
  t.equal(fx.server.count('create'), 1, 'not retried')
})

t.test('429 then success: retried after backoff', async (t) => {
  const fx = await setup(t)
  fx.server.fault('resolve', { kind: 'status', status: 429 })
  fx.server.fault('paths-info', { kind: 'status', status: 429 })
  const got = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 })
  t.equal(got.sha256, sha256(small))
  t.equal(fx.server.count('paths-info'), 2)
  t.equal(fx.server.count('resolve'), 2)
  t.match(fx.logs(), /E_HUB_RATE_LIMIT/, 'the retry is logged')
})

t.test('500 then success: retried after backoff', async (t) => {
  const fx = await setup(t)
  fx.server.fault('resolve', { kind: 'status', status: 500 })
  fx.server.fault('resolve', { kind: 'status', status: 503 })
  const got = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'large.jsonl', maxBytes: 1 << 20 })
  t.equal(got.sha256, sha256(large))
  t.equal(fx.server.count('resolve'), 3)

  // The commit of a publish is retried on 429 only; ensureRepo on any 5xx.
  fx.server.fault('create', { kind: 'status', status: 502 })
  fx.server.fault('commit', { kind: 'status', status: 429 })
  const fast = { retries: 3, minDelayMs: 5, maxDelayMs: 20, deadlineMs: 10_000 }
  const published = await publishDataset(fx.hub, { repo, content: 'more\n', pathInRepo: 'more.jsonl', retry: fast })
  t.equal(fx.server.count('create'), 2)
  t.equal(fx.server.count('commit'), 2)
  t.equal(fx.server.content('dataset', REPO, published.sha, 'more.jsonl')?.toString(), 'more\n')
  fx.server.fault('commit', { kind: 'status', status: 500 })
  await t.rejects(publishDataset(fx.hub, { repo, content: 'again\n', pathInRepo: 'again.jsonl', retry: fast }), { code: 'E_HUB_SERVER', status: 500 })
  t.equal(fx.server.count('commit'), 3, 'a commit that failed with 5xx may have landed: not retried')
})

t.test('a reset connection is a network error and is retried', async (t) => {
  const fx = await setup(t)
  fx.server.fault('paths-info', { kind: 'reset' })
  fx.server.fault('resolve', { kind: 'reset' })
  const got = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 })
  t.equal(got.sha256, sha256(small))
  t.match(fx.logs(), /E_HUB_NETWORK/)
})

t.test('a stalled body times out, is retried, and gives up with a timeout error', async (t) => {
  const fx = await setup(t)
  fx.server.fault('resolve', { kind: 'stall' })
  const got = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 })
  t.equal(got.sha256, sha256(small), 'one stall, then the retry succeeds')

  fx.server.fault('resolve', { kind: 'stall' }, 10)
  const err = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'large.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.type(err, HubTimeoutError)
  t.match(err, { code: 'E_HUB_TIMEOUT', path: 'large.jsonl', sha: fx.sha })
  t.equal(fx.server.count('cdn'), 4, 'first attempt and 3 retries')
  t.same(leftovers(fx.cacheDir), [], 'no partial file is left')
})

t.test('a caller abort cancels a download in flight and leaves nothing behind', async (t) => {
  const fx = await setup(t)
  fx.server.fault('resolve', { kind: 'stall' }, 10)
  const controller = new AbortController()
  const pending = fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20, signal: controller.signal })
  while (fx.server.count('resolve') === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  controller.abort()
  await t.rejects(pending, { name: 'CancelledError', code: 'E_CANCELLED' })
  t.same(leftovers(fx.cacheDir), [])
})

t.test('the overall deadline ends the retries', async (t) => {
  // a deadline long enough that a loaded machine still answers a few 503s before it
  const fx = await startHubFixture({ cache: { retry: { retries: 1000, minDelayMs: 10, maxDelayMs: 20, deadlineMs: 2000 } } })
  t.teardown(() => fx.server.close())
  const sha = fx.server.seed('dataset', REPO, { 'small.jsonl': small })
  fx.server.fault('resolve', { kind: 'status', status: 503 }, 1_000_000)
  const err = await fx.cache.downloadFile({ repo, sha, path: 'small.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.type(err, HubTimeoutError)
  t.match((err as Error).message, /2000 ms deadline/)
  t.ok(fx.server.count('resolve') >= 2, `the 503s were retried until then (${fx.server.count('resolve')} requests)`)
  t.match(fx.logs(), /E_HUB_SERVER/)
  t.ok(fx.server.count('resolve') < 1000, 'stopped by the deadline, not by the retry count')
})

t.test('a truncated body is detected, retried, and reported when it persists', async (t) => {
  const fx = await setup(t)
  fx.server.fault('resolve', { kind: 'truncate' })
  const got = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 })
  t.equal(readFileSync(got.file).toString(), small.toString())

  fx.server.fault('resolve', { kind: 'truncate' }, 10)
  const err = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'large.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.type(err, HubTruncatedError)
  // How many of the bytes sent reach us before fetch reports the early end varies; the total does not.
  t.match((err as Error).message, new RegExp(`after \\d+ of ${large.length} bytes`))
  t.same(leftovers(fx.cacheDir), [])
})

t.test('an oversize file is refused before any byte of it is downloaded', async (t) => {
  const fx = await setup(t)
  const err = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'large.jsonl', maxBytes: large.length - 1 }).catch((e: unknown) => e)
  t.type(err, HubFileTooLargeError)
  t.match(err, { code: 'E_HUB_TOO_LARGE', path: 'large.jsonl' })
  t.match((err as Error).message, `${large.length} bytes, over the cap of ${large.length - 1}`)
  t.equal(fx.server.count('resolve'), 0)
  t.equal(fx.server.count('cdn'), 0)
  // Exactly at the cap is allowed.
  const ok = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'large.jsonl', maxBytes: large.length })
  t.equal(ok.size, large.length)
  // The cap applies to a cached file too.
  await t.rejects(fx.cache.downloadFile({ repo, sha: fx.sha, path: 'large.jsonl', maxBytes: 10 }), HubFileTooLargeError)
})

t.test('a changed file behind the same name fails the hash check and is not cached', async (t) => {
  const fx = await setup(t)
  for (const path of ['small.jsonl', 'large.jsonl']) {
    fx.server.fault('resolve', { kind: 'swap' })
    const err = await fx.cache.downloadFile({ repo, sha: fx.sha, path, maxBytes: 1 << 20 }).catch((e: unknown) => e)
    t.type(err, HubIntegrityError, path)
    t.match(err, { code: 'E_HUB_INTEGRITY', path, sha: fx.sha })
    t.match((err as Error).message, path === 'large.jsonl' ? /sha256/ : /git blob id/)
  }
  t.same(leftovers(fx.cacheDir), [])
  // Nothing bad was recorded: the next request downloads again and gets the right bytes.
  const got = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 })
  t.equal(got.fromCache, false)
  t.equal(got.sha256, sha256(small))
})
