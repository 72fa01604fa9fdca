// Hostile hub answers: redirects to other schemes, answers that inflate without end, and links
// and redirects to other origins, which must never receive the token. Every case ends in a
// typed error (or a clean download) and the process goes on downloading.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import t from 'tap'

import { datasetRepo, HubRedirectError, HubResponseTooLargeError } from '../../lib/hub/index.js'
import { LARGE_JSONL, seededHubFixture, sha256Of, SMALL_JSONL, TOKEN } from '../helpers/hub-setup.js'

const REPO = 'miner/hostile'
const repo = datasetRepo(REPO)
const small = SMALL_JSONL
const large = LARGE_JSONL
const sha256 = sha256Of
const setup = (t: { teardown: (fn: () => unknown) => void }) => seededHubFixture(t, REPO, { 'dir/a.jsonl': SMALL_JSONL })

/** A server on another origin (another port) that records every request and answers with `reply`. */
async function otherOrigin(t: { teardown: (fn: () => unknown) => void }, reply: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Array<{ url: string; authorization: string | undefined; headers: string }> = []
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization, headers: JSON.stringify(req.headers) })
    reply(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

t.test('a redirect to file:///… is refused by name and not retried', async (t) => {
  const fx = await setup(t)
  fx.server.fault('paths-info', { kind: 'redirect', location: 'file:///etc/passwd', status: 307 })
  const err = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.type(err, HubRedirectError)
  t.match(err, { code: 'E_HUB_REDIRECT', repo: `datasets/${REPO}`, path: 'small.jsonl' })
  t.match((err as Error).message, 'hub redirected to a "file:" URL; only http(s) redirects are followed')
  t.equal(fx.server.count('paths-info'), 1, 'not retried')

  // the file body's redirect (where LFS files go to their CDN) follows the same rule
  fx.server.fault('resolve', { kind: 'redirect', location: 'file:///etc/passwd' })
  const body = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'large.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.match(body, { code: 'E_HUB_REDIRECT', path: 'large.jsonl' })
  t.equal(fx.server.count('resolve'), 1, 'not retried')

  for (const location of ['data:text/plain,hi', 'ftp://127.0.0.1/x', 'javascript:alert(1)']) {
    fx.server.fault('resolve', { kind: 'redirect', location })
    const e = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 }).catch((x: unknown) => x)
    t.match(e, { code: 'E_HUB_REDIRECT', message: new RegExp(`"${location.split(':')[0]}:" URL`) }, location)
  }
  // a redirect loop ends at the hop limit, not in a retry loop
  const before = fx.server.count('resolve')
  fx.server.fault('resolve', { kind: 'redirect', location: `/datasets/${REPO}/resolve/${fx.sha}/small.jsonl` }, 11)
  const loop = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.match(loop, { code: 'E_HUB_REDIRECT', message: /more than 10 times/ })
  t.equal(fx.server.count('resolve') - before, 11, 'the first request and ten hops, then no retry')
  const ok = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 })
  t.equal(ok.sha256, sha256(small), 'the next download works')
})

t.test('a 2 MB gzip API answer that inflates to 2 GiB stops at the cap as it inflates', async (t) => {
  const fx = await setup(t)
  const rss = process.memoryUsage().rss
  fx.server.fault('paths-info', { kind: 'gzip', inflatedBytes: 2 ** 31 })
  const err = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 }).catch((e: unknown) => e)
  t.type(err, HubResponseTooLargeError)
  t.match(err, { code: 'E_HUB_RESPONSE_TOO_LARGE', path: 'small.jsonl', status: 200 })
  t.match((err as Error).message, 'larger than the cap of 16777216 bytes (after decompression)')
  t.equal(fx.server.count('paths-info'), 1, 'not retried')
  t.ok(process.memoryUsage().rss - rss < 512 * 1024 * 1024, 'memory stays near the cap')

  // the tree listing, page after page
  fx.server.fault('tree', { kind: 'gzip', inflatedBytes: 2 ** 31 })
  await t.rejects(fx.cache.downloadSnapshot({ repo, sha: fx.sha }), { code: 'E_HUB_RESPONSE_TOO_LARGE' })
  // an error answer that inflates without end is cut at its first megabyte (zeros, not the JSON it claims to be)
  fx.server.fault('paths-info', { kind: 'gzip', inflatedBytes: 2 ** 31, status: 503 })
  await t.rejects(fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 }), { code: 'E_HUB_PROTOCOL', message: /invalid JSON/ })
  const got = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 })
  t.equal(got.sha256, sha256(small), 'the next download works')
  t.ok(process.memoryUsage().rss - rss < 512 * 1024 * 1024, 'memory stays near the cap')
})

t.test('with HF_TOKEN set, a tree listing whose next page is on another origin gets no token', async (t) => {
  const fx = await setup(t)
  const other = await otherOrigin(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('[]')
  })
  fx.server.fault('tree', { kind: 'link', next: `${other.url}/api/datasets/${REPO}/tree/${fx.sha}?cursor=1` })
  const files = await fx.hub.listFiles(repo, fx.sha)
  t.same(files.map((f) => f.path).sort(), ['dir/a.jsonl', 'large.jsonl', 'small.jsonl'], 'the first page, then an empty one')
  t.equal(other.seen.length, 1, 'the link was followed')
  t.equal(other.seen[0]?.authorization, undefined, 'no Authorization header reached the other origin')
  t.notMatch(other.seen[0]?.headers ?? '', TOKEN, 'the token is in no header at all')
  t.equal(fx.server.requests.find((r) => r.route === 'tree')?.authorization, `Bearer ${TOKEN}`, 'the hub itself got it')

  // a link to another scheme is not a next page (the library reads only http(s) links; the fetch would refuse one)
  fx.server.fault('tree', { kind: 'link', next: 'file:///etc/passwd' })
  t.equal((await fx.hub.listFiles(repo, fx.sha)).length, 3)
})

t.test('a file body redirected to another origin (a CDN) is downloaded without the token', async (t) => {
  const fx = await setup(t)
  const other = await otherOrigin(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(large.length) })
    res.end(large)
  })
  fx.server.fault('resolve', { kind: 'redirect', location: `${other.url}/cdn/large` })
  const got = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'large.jsonl', maxBytes: 1 << 20 })
  t.equal(got.sha256, sha256(large))
  t.equal(other.seen.length, 1)
  t.equal(other.seen[0]?.authorization, undefined, 'the CDN got no Authorization header')
  t.equal(fx.server.requests.find((r) => r.route === 'resolve')?.authorization, `Bearer ${TOKEN}`, 'the hub did')
  // and a redirect chain that comes back to the hub's origin sends it there again
  const back = await otherOrigin(t, (_req, res) => {
    res.writeHead(302, { location: `${fx.server.url}/datasets/${REPO}/resolve/${fx.sha}/small.jsonl` })
    res.end()
  })
  fx.server.fault('resolve', { kind: 'redirect', location: `${back.url}/bounce` })
  const again = await fx.cache.downloadFile({ repo, sha: fx.sha, path: 'small.jsonl', maxBytes: 1 << 20 })
  t.equal(again.sha256, sha256(small))
  t.equal(back.seen[0]?.authorization, undefined)
  t.equal(fx.server.requests.filter((r) => r.route === 'resolve').at(-1)?.authorization, `Bearer ${TOKEN}`)
})
