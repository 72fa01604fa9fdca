import { createHash } from 'node:crypto'
import { lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import t from 'tap'

import { datasetRepo, isCommitSha, publishDataset } from '../../lib/hub/index.js'
import { startHubFixture } from '../helpers/hub-setup.js'

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')
const rows = (n: number): string =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ conversations: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] })).join('\n') + '\n'

t.test('a dataset published through the hub downloads back, pinned, with the same bytes and sha256', async (t) => {
  const fx = await startHubFixture({ lfsThreshold: 1 << 20 })
  t.teardown(() => fx.server.close())
  const repo = datasetRepo('miner1/flock-data')
  const data = rows(20)
  const file = join(fx.cacheDir, 'upload.jsonl')
  writeFileSync(file, data)

  const published = await publishDataset(fx.hub, { repo, file, pathInRepo: 'data.jsonl' })
  t.ok(isCommitSha(published.sha), 'a full 40-hex commit sha')
  t.equal(published.sha, fx.server.head('dataset', repo.name), 'the sha of the commit that holds the file')
  t.equal(published.created, true)
  t.equal(published.sha256, sha256(data))
  t.equal(fx.server.count('create'), 1)
  t.equal(fx.server.count('preupload'), 1)
  t.equal(fx.server.count('commit'), 1)
  t.ok(fx.server.requests.filter((r) => r.route !== 'lfs-upload').every((r) => r.authorization === `Bearer ${'hf_TestSecretToken0123456789abcdef'}`), 'the token is sent')

  const got = await fx.cache.downloadFile({ repo, sha: published.sha, path: 'data.jsonl', maxBytes: 1 << 20 })
  t.equal(readFileSync(got.file, 'utf8'), data)
  t.equal(got.sha256, sha256(data))
  t.equal(got.size, Buffer.byteLength(data))
  t.equal(got.fromCache, false)
  t.equal(fx.server.count('resolve'), 1)

  const before = fx.server.requests.length
  const again = await fx.cache.downloadFile({ repo, sha: published.sha, path: 'data.jsonl', maxBytes: 1 << 20 })
  t.equal(again.fromCache, true)
  t.equal(again.sha256, got.sha256)
  t.equal(fx.server.requests.length, before, 'a cached file costs no request at all')

  // Publishing again to the existing repo: the 409 from create is not an error.
  const second = await publishDataset(fx.hub, { repo, content: rows(3), pathInRepo: 'data.jsonl' })
  t.equal(second.created, false)
  t.not(second.sha, published.sha)
  const old = await fx.cache.downloadFile({ repo, sha: published.sha, path: 'data.jsonl', maxBytes: 1 << 20 })
  t.equal(readFileSync(old.file, 'utf8'), data, 'the first commit still names the first content')
  const latest = await fx.cache.downloadFile({ repo, sha: second.sha, path: 'data.jsonl', maxBytes: 1 << 20 })
  t.equal(readFileSync(latest.file, 'utf8'), rows(3))
})

t.test('a large dataset goes through preupload, the LFS batch and the CDN redirect', async (t) => {
  const fx = await startHubFixture({ lfsThreshold: 1024 })
  t.teardown(() => fx.server.close())
  const repo = datasetRepo('miner2/big')
  const data = rows(400)
  const published = await publishDataset(fx.hub, { repo, content: data })
  t.equal(published.path, 'data.jsonl')
  t.equal(fx.server.count('lfs-batch'), 1)
  t.equal(fx.server.count('lfs-upload'), 1)
  t.equal(fx.server.requests.find((r) => r.route === 'lfs-upload')?.authorization, undefined, 'the presigned upload gets no token')

  const got = await fx.cache.downloadFile({ repo, sha: published.sha, path: 'data.jsonl', maxBytes: 1 << 24 })
  t.equal(got.sha256, sha256(data))
  t.equal(fx.server.count('cdn'), 1, 'the body came from the redirect target')
  // HF cache layout: the snapshot entry is a relative symlink to a blob named by the sha256.
  t.ok(lstatSync(got.file).isSymbolicLink())
  t.equal(readlinkSync(got.file), join('..', '..', 'blobs', sha256(data)))
})

t.test('two concurrent downloads of one file make one request of each kind', async (t) => {
  const fx = await startHubFixture()
  t.teardown(() => fx.server.close())
  const sha = fx.server.seed('dataset', 'miner3/d', { 'data.jsonl': rows(50) })
  const repo = datasetRepo('miner3/d')
  const [a, b] = await Promise.all([
    fx.cache.downloadFile({ repo, sha, path: 'data.jsonl', maxBytes: 1 << 20 }),
    fx.cache.downloadFile({ repo, sha, path: 'data.jsonl', maxBytes: 1 << 20 }),
  ])
  t.same(a, b)
  t.equal(fx.server.count('paths-info'), 1)
  t.equal(fx.server.count('resolve'), 1)
  t.equal(fx.server.count('cdn'), 1)
})
