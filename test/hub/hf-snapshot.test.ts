import { createHash } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

import t from 'tap'

import { HubProtocolError, HubRevisionError, HubUnsafePathError, modelRepo } from '../../lib/hub/index.js'
import { gitBlobOid, sha256Hex } from '../helpers/fake-hf-hub.js'
import { startHubFixture } from '../helpers/hub-setup.js'

const MODEL = 'org/tiny-llm'
const repo = modelRepo(MODEL)
const files: Record<string, Buffer> = {
  'config.json': Buffer.from('{"architectures":["Qwen2ForCausalLM"],"hidden_size":8}'),
  'tokenizer.json': Buffer.from('{"model":{"vocab":{}}}'),
  'model.safetensors': Buffer.alloc(5000, 7),
  'nested/extra.txt': Buffer.from('nested file'),
  'pytorch_model.bin': Buffer.alloc(3000, 1),
}

async function setup(t: { teardown: (fn: () => unknown) => void }) {
  const fx = await startHubFixture({ lfsThreshold: 2048, treePageSize: 2 })
  t.teardown(() => fx.server.close())
  const sha = fx.server.seed('model', MODEL, files)
  const snapshotDir = join(fx.cacheDir, 'models--org--tiny-llm', 'snapshots', sha)
  return { ...fx, sha, snapshotDir }
}

t.test('a model snapshot lands in the HF cache layout and is reused with no network', async (t) => {
  const fx = await setup(t)
  const snap = await fx.cache.downloadSnapshot({ repo, sha: fx.sha, include: (p) => !p.endsWith('.bin') })
  t.equal(snap.dir, fx.snapshotDir)
  t.same(snap.files.map((f) => f.path).sort(), ['config.json', 'model.safetensors', 'nested/extra.txt', 'tokenizer.json'])
  t.ok(fx.server.count('tree') >= 3, 'the paginated listing was followed')
  for (const f of snap.files) {
    t.same(readFileSync(join(snap.dir, f.path)), files[f.path], f.path)
    t.ok(lstatSync(join(snap.dir, f.path)).isSymbolicLink(), `${f.path} is a symlink into blobs/`)
  }
  const blobs = readdirSync(join(fx.cacheDir, 'models--org--tiny-llm', 'blobs')).sort()
  t.same(
    blobs,
    [sha256Hex(files['model.safetensors'] as Buffer), ...['config.json', 'tokenizer.json', 'nested/extra.txt'].map((p) => gitBlobOid(files[p] as Buffer))].sort(),
    'blobs are named as HF names them: sha256 for LFS files, git blob id otherwise',
  )
  t.notOk(existsSync(join(snap.dir, 'pytorch_model.bin')))

  const before = fx.server.requests.length
  const again = await fx.cache.downloadSnapshot({ repo, sha: fx.sha, include: (p) => !p.endsWith('.bin') })
  t.ok(again.files.every((f) => f.fromCache))
  t.equal(fx.server.requests.length, before, 'no request at all the second time')

  const capped = await fx.cache.downloadSnapshot({ repo, sha: fx.sha, maxTotalBytes: 100 }).catch((e: unknown) => e)
  t.match(capped, { code: 'E_HUB_TOO_LARGE' })
  t.notOk(existsSync(join(snap.dir, 'pytorch_model.bin')), 'nothing downloaded past the cap')
})

t.test('a snapshot written by HF tools (symlinks and copies, no records) is verified and reused', async (t) => {
  const fx = await setup(t)
  const repoDir = join(fx.cacheDir, 'models--org--tiny-llm')
  // Lay it out as huggingface_hub does: blobs named by sha256/git oid, relative symlinks.
  for (const [path, content] of Object.entries(files)) {
    const id = content.length >= 2048 ? sha256Hex(content) : gitBlobOid(content)
    mkdirSync(join(repoDir, 'blobs'), { recursive: true })
    writeFileSync(join(repoDir, 'blobs', id), content)
    const entry = join(fx.snapshotDir, path)
    mkdirSync(dirname(entry), { recursive: true })
    if (path === 'tokenizer.json') writeFileSync(entry, content) // copy mode
    else symlinkSync(relative(dirname(entry), join(repoDir, 'blobs', id)), entry)
  }
  // One file was damaged on disk: it must be downloaded again.
  writeFileSync(join(repoDir, 'blobs', gitBlobOid(files['config.json'] as Buffer)), 'corrupted!')

  const snap = await fx.cache.downloadSnapshot({ repo, sha: fx.sha })
  const byPath = Object.fromEntries(snap.files.map((f) => [f.path, f]))
  t.equal(byPath['config.json']?.fromCache, false, 'the damaged file was downloaded')
  t.ok(['tokenizer.json', 'model.safetensors', 'nested/extra.txt', 'pytorch_model.bin'].every((p) => byPath[p]?.fromCache), 'the rest was reused')
  t.equal(fx.server.count('resolve'), 1, 'only one body fetched')
  for (const [path, content] of Object.entries(files)) t.same(readFileSync(join(snap.dir, path)), content, path)
  t.equal(readlinkSync(join(snap.dir, 'nested/extra.txt')), join('..', '..', '..', 'blobs', gitBlobOid(files['nested/extra.txt'] as Buffer)))
  t.ok(lstatSync(join(snap.dir, 'tokenizer.json')).isFile(), 'a copy stays a copy')
  t.equal(byPath['model.safetensors']?.sha256, createHash('sha256').update(files['model.safetensors'] as Buffer).digest('hex'))
})

t.test('a malicious path in a listing is refused before anything is written', async (t) => {
  for (const evil of ['../../../escaped.txt', '/etc/evil', 'a/../../b', 'dir\\..\\..\\x', 'C:/x', 'ok//double', 'a/./b', 'bad\u0000name']) {
    const fx = await setup(t)
    fx.server.treeFilter = (entries) => [...entries, { type: 'file', path: evil, size: 3, oid: 'a'.repeat(40) }]
    const err = await fx.cache.downloadSnapshot({ repo, sha: fx.sha }).catch((e: unknown) => e)
    t.type(err, HubUnsafePathError, JSON.stringify(evil))
    t.equal(fx.server.count('resolve'), 0, 'no file of that listing was fetched')
    t.notOk(existsSync(fx.snapshotDir))
    t.notOk(existsSync(join(fx.cacheDir, '..', 'escaped.txt')))
  }
  const fx = await setup(t)
  fx.server.treeFilter = (entries) => [...entries, { type: 'file', path: 'config.json/inner', size: 1, oid: 'b'.repeat(40) }]
  await t.rejects(fx.cache.downloadSnapshot({ repo, sha: fx.sha }), HubProtocolError, 'a file inside a file')
  fx.server.treeFilter = (entries) => [...entries, ...entries.filter((e) => e.path === 'config.json')]
  await t.rejects(fx.cache.downloadSnapshot({ repo, sha: fx.sha }), HubProtocolError, 'a file listed twice')
})

t.test('unpinned revisions and unsafe requested paths are refused without a request', async (t) => {
  const fx = await setup(t)
  for (const sha of ['main', 'v1.0', fx.sha.slice(0, 7), `${fx.sha}0`, 'g'.repeat(40), '']) {
    await t.rejects(fx.cache.downloadFile({ repo, sha, path: 'config.json', maxBytes: 100 }), HubRevisionError, sha)
    await t.rejects(fx.cache.downloadSnapshot({ repo, sha }), HubRevisionError, sha)
  }
  await t.rejects(fx.cache.downloadFile({ repo, sha: fx.sha, path: '../x', maxBytes: 100 }), HubUnsafePathError)
  t.equal(fx.server.requests.length, 0)
  // An upper-case sha names the same commit and the same cache entry.
  const got = await fx.cache.downloadFile({ repo, sha: fx.sha.toUpperCase(), path: 'config.json', maxBytes: 100 })
  t.equal(got.sha, fx.sha)
  t.equal(got.file, join(fx.snapshotDir, 'config.json'))
  rmSync(fx.cacheDir, { recursive: true, force: true })
})
