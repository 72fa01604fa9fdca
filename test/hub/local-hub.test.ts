import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import t from 'tap'

import { CancelledError } from '../../lib/index.js'
import { datasetRepo, type Hub, HubCache, HubIntegrityError, HubNotFoundError, HubProtocolError, HubRevisionError, isCommitSha, LocalHub, modelRepo, publishDataset } from '../../lib/hub/index.js'

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'flock-localhub-'))
  const hub = new LocalHub(join(root, 'hub'))
  const cache = new HubCache({ hub, cacheDir: join(root, 'cache'), retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2, deadlineMs: 5_000 }, stallTimeoutMs: 1_000 })
  return { root, hub, cache }
}

t.test('publish then pinned download through a local folder, with commit shas like the hub', async (t) => {
  const { root, hub, cache } = setup()
  const repo = datasetRepo('miner/local')
  const first = await publishDataset(hub, { repo, content: 'one\n' })
  t.ok(isCommitSha(first.sha))
  t.equal(first.created, true)
  const second = await publishDataset(hub, { repo, content: 'two\n' })
  t.equal(second.created, false)
  t.not(second.sha, first.sha)

  const a = await cache.downloadFile({ repo, sha: first.sha, path: 'data.jsonl', maxBytes: 100 })
  const b = await cache.downloadFile({ repo, sha: second.sha, path: 'data.jsonl', maxBytes: 100 })
  t.equal(readFileSync(a.file, 'utf8'), 'one\n', 'a commit keeps naming its own content')
  t.equal(readFileSync(b.file, 'utf8'), 'two\n')
  t.equal(a.sha256, sha256('one\n'))
  t.equal((await cache.downloadFile({ repo, sha: first.sha, path: 'data.jsonl', maxBytes: 100 })).fromCache, true)
  await t.rejects(cache.downloadFile({ repo, sha: first.sha, path: 'data.jsonl', maxBytes: 3 }), { code: 'E_HUB_TOO_LARGE' })

  // Content-addressed objects: the same bytes are stored once.
  await publishDataset(hub, { repo, content: 'one\n', pathInRepo: 'copy.jsonl' })
  const objects = readdirSync(join(root, 'hub', 'datasets', 'miner', 'local', 'objects'))
  t.same(objects.sort(), [sha256('one\n'), sha256('two\n')].sort())
})

t.test('missing repos, commits and files are not-found errors; branch names are refused', async (t) => {
  const { hub, cache } = setup()
  const repo = datasetRepo('miner/x')
  await t.rejects(hub.commitFiles(repo, [{ path: 'a', content: new Blob(['a']) }], 'm'), HubNotFoundError, 'commit before create')
  const { sha } = await publishDataset(hub, { repo, content: 'a' })
  await t.rejects(cache.downloadFile({ repo, sha, path: 'nope', maxBytes: 10 }), HubNotFoundError)
  await t.rejects(cache.downloadFile({ repo, sha: 'f'.repeat(40), path: 'data.jsonl', maxBytes: 10 }), HubNotFoundError)
  await t.rejects(cache.downloadFile({ repo: datasetRepo('miner/none'), sha, path: 'data.jsonl', maxBytes: 10 }), HubNotFoundError)
  await t.rejects(hub.fileInfo(repo, 'main', 'data.jsonl'), HubRevisionError)
  await t.rejects(hub.listFiles(repo, sha.slice(0, 12)), HubRevisionError)
})

t.test('tampered objects and commits in the folder are detected', async (t) => {
  const { root, hub, cache } = setup()
  const repo = datasetRepo('miner/t')
  const { sha } = await publishDataset(hub, { repo, content: 'honest data\n' })
  const repoDir = join(root, 'hub', 'datasets', 'miner', 't')
  writeFileSync(join(repoDir, 'objects', sha256('honest data\n')), 'forged data\n')
  await t.rejects(cache.downloadFile({ repo, sha, path: 'data.jsonl', maxBytes: 100 }), HubIntegrityError)
  const commitFile = join(repoDir, 'commits', `${sha}.json`)
  writeFileSync(commitFile, readFileSync(commitFile, 'utf8').replace('data.jsonl', 'evil.jsonl'))
  await t.rejects(hub.listFiles(repo, sha), HubProtocolError)
})

t.test('concurrent commits to one repo all land, each on top of the previous', async (t) => {
  const { hub } = setup()
  const repo = modelRepo('org/m')
  await hub.ensureRepo(repo)
  const shas = await Promise.all(
    ['a', 'b', 'c', 'd'].map((name) => hub.commitFiles(repo, [{ path: `${name}.txt`, content: new Blob([name]) }], `add ${name}`)),
  )
  t.equal(new Set(shas).size, 4)
  const last = await hub.listFiles(repo, shas[3] as string)
  t.same(last.map((f) => f.path).sort(), ['a.txt', 'b.txt', 'c.txt', 'd.txt'])
})

t.test('a model snapshot from the local hub lands in the HF cache layout', async (t) => {
  const { hub, cache } = setup()
  const repo = modelRepo('org/tiny')
  await hub.ensureRepo(repo)
  const sha = await hub.commitFiles(
    repo,
    [
      { path: 'config.json', content: new Blob(['{}']) },
      { path: 'sub/model.safetensors', content: new Blob([new Uint8Array(64)]) },
    ],
    'model',
  )
  const snap = await cache.downloadSnapshot({ repo, sha })
  t.match(snap.dir, new RegExp(`models--org--tiny/snapshots/${sha}$`))
  t.equal(readFileSync(join(snap.dir, 'config.json'), 'utf8'), '{}')
  t.equal(readFileSync(join(snap.dir, 'sub', 'model.safetensors')).length, 64)
  t.ok((await cache.downloadSnapshot({ repo, sha })).files.every((f) => f.fromCache))
})

t.test('a download aborted while its body opens rejects; the body stream never errors unhandled', async (t) => {
  const { root, hub } = setup()
  const repo = datasetRepo('miner/abort')
  const { sha } = await publishDataset(hub, { repo, content: 'rows\n' })
  const caller = new AbortController()
  // the caller aborts as the body is being opened: the stream is born aborted
  const aborting: Hub = {
    kind: 'local', ensureRepo: (r) => hub.ensureRepo(r), commitFiles: (r, f, m) => hub.commitFiles(r, f, m),
    fileInfo: (r, s, p) => hub.fileInfo(r, s, p), listFiles: (r, s) => hub.listFiles(r, s), resolveRevision: (r, v) => hub.resolveRevision(r, v),
    openFile(r, s, p, signal) {
      caller.abort()
      return hub.openFile(r, s, p, signal)
    },
  }
  const cache = new HubCache({ hub: aborting, cacheDir: join(root, 'cache2'), retry: { retries: 0, minDelayMs: 1, maxDelayMs: 2, deadlineMs: 5_000 } })
  await t.rejects(cache.downloadFile({ repo, sha, path: 'data.jsonl', maxBytes: 100, signal: caller.signal }), CancelledError)
  await new Promise((r) => setTimeout(r, 20))
})
