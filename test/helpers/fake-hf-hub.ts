/**
 * A fake Hugging Face hub on 127.0.0.1 speaking the endpoints that @huggingface/hub and
 * HfHub call, as huggingface.co answers them:
 *
 *   POST /api/repos/create                               create (409 when it exists)
 *   POST /api/{type}s/{ns}/{name}/preupload/{rev}         preupload (regular vs lfs)
 *   POST /{datasets/}{ns}/{name}.git/info/lfs/objects/batch   LFS batch, "basic" transfer
 *   PUT  /_lfs/{oid}                                      the presigned upload target
 *   POST /api/{type}s/{ns}/{name}/commit/{rev}            ndjson commit
 *   POST /api/{type}s/{ns}/{name}/paths-info/{rev}        file info
 *   GET  /api/{type}s/{ns}/{name}/tree/{rev}?recursive=   listing, paginated with Link
 *   GET  /{datasets/}{ns}/{name}/resolve/{rev}/{path}     file body; LFS files redirect to /_cdn/{oid}
 *
 * Faults are queued per route and consumed in order; every request is recorded.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'

import { entryFor, sha256Hex, type StoredFile, type TreeEntry } from './fake-hf-entries.js'

export { gitBlobOid, sha256Hex, type TreeEntry } from './fake-hf-entries.js'

export type Route = 'create' | 'preupload' | 'lfs-batch' | 'lfs-upload' | 'commit' | 'paths-info' | 'tree' | 'resolve' | 'cdn'

export type Fault =
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'stall' } // headers and half the body, then silence
  | { kind: 'truncate' } // full Content-Length, half the body, then the socket closes
  | { kind: 'swap' } // same length, different bytes
  | { kind: 'reset' } // the socket closes before any response
  | { kind: 'redirect'; location: string; status?: number } // a redirect, wherever it points
  | { kind: 'link'; next: string } // the normal tree page, with a `Link: <next>; rel="next"` header
  | { kind: 'gzip'; inflatedBytes: number; status?: number } // a gzip answer of zeros that inflates to inflatedBytes

interface FakeRepo {
  type: 'model' | 'dataset'
  name: string
  commits: Map<string, Map<string, StoredFile>>
  head: string | null
}

export interface RecordedRequest {
  method: string
  route: Route | 'unknown'
  url: string
  authorization: string | undefined
}

export interface FakeHubOptions {
  /** When set, every API and resolve request must carry `Authorization: Bearer <token>`. */
  token?: string
  /** Files at least this large are uploaded and served as LFS. */
  lfsThreshold?: number
  /** Entries per page of the tree listing. */
  treePageSize?: number
  /** Error bodies repeat the request's Authorization header and URL, as a careless server might. */
  echoCredentials?: boolean
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const GZIP_MEMBER_ZEROS = 64 * 1024 * 1024
let gzipMember: Buffer | undefined

/**
 * `inflatedBytes` of zeros as gzip, from one precomputed member repeated (concatenated gzip
 * members are one valid stream): 2 GiB costs about 2 MB on the wire, written as the client reads.
 */
function sendGzipZeros(res: ServerResponse, inflatedBytes: number, status: number): void {
  gzipMember ??= gzipSync(Buffer.alloc(GZIP_MEMBER_ZEROS))
  const member = gzipMember
  let left = Math.ceil(inflatedBytes / GZIP_MEMBER_ZEROS)
  res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
  const pump = (): void => {
    while (left > 0) {
      left--
      if (!res.write(member)) return void res.once('drain', pump)
    }
    res.end()
  }
  res.on('close', () => {
    left = 0
  })
  pump()
}

export class FakeHfHub {
  readonly requests: RecordedRequest[] = []
  readonly #faults: { route: Route; fault: Fault }[] = []
  readonly #repos = new Map<string, FakeRepo>()
  readonly #lfsObjects = new Map<string, Buffer>()
  readonly #options: FakeHubOptions
  /** Rewrites tree listings before they are sent (to serve a hostile listing). */
  treeFilter: ((entries: TreeEntry[]) => TreeEntry[]) | undefined
  #server!: Server
  url = ''

  private constructor(options: FakeHubOptions) {
    this.#options = options
  }

  static async start(options: FakeHubOptions = {}): Promise<FakeHfHub> {
    const hub = new FakeHfHub(options)
    hub.#server = createServer((req, res) => {
      hub.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: `fake hub bug: ${String(err)}` }))
      })
    })
    await new Promise<void>((resolve) => hub.#server.listen(0, '127.0.0.1', resolve))
    hub.url = `http://127.0.0.1:${(hub.#server.address() as AddressInfo).port}`
    return hub
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  /** Queues a fault for the next request(s) to `route`. */
  fault(route: Route, fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.#faults.push({ route, fault })
  }

  count(route: Route): number {
    return this.requests.filter((r) => r.route === route).length
  }

  /** Creates a repo (when needed) and commits files directly; returns the commit sha. */
  seed(type: 'model' | 'dataset', name: string, files: Record<string, string | Buffer>): string {
    const repo = this.#repo(type, name) ?? this.#createRepo(type, name)
    const tree = new Map(repo.head ? repo.commits.get(repo.head) : [])
    for (const [path, data] of Object.entries(files)) {
      const content = Buffer.isBuffer(data) ? data : Buffer.from(data)
      tree.set(path, { content, lfs: content.length >= (this.#options.lfsThreshold ?? 1024) })
    }
    return this.#addCommit(repo, tree)
  }

  /** The bytes of a file at a commit, as stored. */
  content(type: 'model' | 'dataset', name: string, sha: string, path: string): Buffer | undefined {
    return this.#repo(type, name)?.commits.get(sha)?.get(path)?.content
  }

  head(type: 'model' | 'dataset', name: string): string | null {
    return this.#repo(type, name)?.head ?? null
  }

  #repo(type: 'model' | 'dataset', name: string): FakeRepo | undefined {
    return this.#repos.get(`${type}:${name}`)
  }

  #createRepo(type: 'model' | 'dataset', name: string): FakeRepo {
    const repo: FakeRepo = { type, name, commits: new Map(), head: null }
    this.#repos.set(`${type}:${name}`, repo)
    return repo
  }

  #addCommit(repo: FakeRepo, tree: Map<string, StoredFile>): string {
    const sha = createHash('sha1').update(randomBytes(16)).digest('hex')
    repo.commits.set(sha, tree)
    repo.head = sha
    return sha
  }

  #classify(method: string, path: string): { route: Route | 'unknown'; match: RegExpMatchArray | null } {
    const patterns: [Route, string, RegExp][] = [
      ['create', 'POST', /^\/api\/repos\/create$/],
      ['preupload', 'POST', /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/preupload\/([^/]+)$/],
      ['commit', 'POST', /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/commit\/([^/]+)$/],
      ['paths-info', 'POST', /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/paths-info\/([^/]+)$/],
      ['tree', 'GET', /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/tree\/([^/]+)$/],
      ['lfs-batch', 'POST', /^\/(datasets\/)?([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/],
      ['lfs-upload', 'PUT', /^\/_lfs\/([0-9a-f]{64})$/],
      ['cdn', 'GET', /^\/_cdn\/([0-9a-f]{64})$/],
      ['resolve', 'GET', /^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/],
    ]
    for (const [route, m, re] of patterns) {
      const match = method === m ? path.match(re) : null
      if (match) return { route, match }
    }
    return { route: 'unknown', match: null }
  }

  #sendError(req: IncomingMessage, res: ServerResponse, status: number, message: string, errorCode?: string): void {
    const echo = this.#options.echoCredentials ? ` (got ${req.headers.authorization ?? 'no auth'} for ${req.url})` : ''
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(errorCode ? { 'x-error-code': errorCode } : {}),
      'x-error-message': `${message}${echo}`,
    })
    res.end(JSON.stringify({ error: `${message}${echo}` }))
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const method = req.method ?? 'GET'
    const { route, match } = this.#classify(method, url.pathname)
    this.requests.push({ method, route, url: req.url ?? '', authorization: req.headers.authorization })
    if (route === 'unknown' || !match) return this.#sendError(req, res, 404, `no route for ${method} ${url.pathname}`)

    const queued = this.#faults.findIndex((f) => f.route === route)
    const fault = queued >= 0 ? this.#faults.splice(queued, 1)[0]?.fault : undefined
    if (fault?.kind === 'reset') {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'status') {
      await readBody(req)
      return this.#sendError(req, res, fault.status, fault.body ?? `injected ${fault.status}`)
    }
    if (fault?.kind === 'redirect') {
      await readBody(req)
      res.writeHead(fault.status ?? 302, { location: fault.location })
      res.end()
      return
    }
    if (fault?.kind === 'gzip') {
      await readBody(req)
      return sendGzipZeros(res, fault.inflatedBytes, fault.status ?? 200)
    }

    const presigned = route === 'lfs-upload' || route === 'cdn'
    if (!presigned && this.#options.token && req.headers.authorization !== `Bearer ${this.#options.token}`) {
      await readBody(req)
      return this.#sendError(req, res, 401, 'Invalid credentials in Authorization header')
    }

    switch (route) {
      case 'create':
        return this.#onCreate(req, res)
      case 'preupload':
        return this.#onPreupload(req, res, match)
      case 'lfs-batch':
        return this.#onLfsBatch(req, res)
      case 'lfs-upload':
        return this.#onLfsUpload(req, res, match)
      case 'commit':
        return this.#onCommit(req, res, match)
      case 'paths-info':
        return this.#onPathsInfo(req, res, match)
      case 'tree':
        return this.#onTree(req, res, match, url, fault)
      case 'resolve':
        return this.#onResolve(req, res, match, fault)
      case 'cdn':
        return this.#onCdn(req, res, match, fault)
    }
  }

  #lookup(req: IncomingMessage, res: ServerResponse, typePart: string | undefined, name: string, rev?: string) {
    const type = typePart?.startsWith('dataset') ? 'dataset' : 'model'
    const repo = this.#repo(type, name)
    if (!repo) {
      this.#sendError(req, res, 404, 'Repository not found', 'RepoNotFound')
      return undefined
    }
    if (rev === undefined) return { repo, tree: undefined }
    const sha = rev === 'main' ? repo.head : rev
    const tree = sha ? repo.commits.get(sha) : undefined
    if (!tree) {
      this.#sendError(req, res, 404, `Invalid rev id: ${rev}`, 'RevisionNotFound')
      return undefined
    }
    return { repo, tree, sha: sha as string }
  }

  async #onCreate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString()) as { name: string; organization: string; type?: string }
    const type = body.type === 'dataset' ? 'dataset' : 'model'
    const name = `${body.organization}/${body.name}`
    if (this.#repo(type, name)) return this.#sendError(req, res, 409, `You already created this ${type} repo`)
    this.#createRepo(type, name)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ url: `${this.url}/${type === 'model' ? '' : 'datasets/'}${name}`, id: name }))
  }

  async #onPreupload(req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString()) as { files: { path: string; size: number }[] }
    if (!this.#lookup(req, res, m[1], m[2] as string)) return
    const threshold = this.#options.lfsThreshold ?? 1024
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ files: body.files.map((f) => ({ path: f.path, uploadMode: f.size >= threshold ? 'lfs' : 'regular' })) }))
  }

  async #onLfsBatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString()) as { objects: { oid: string; size: number }[] }
    res.writeHead(200, { 'content-type': 'application/vnd.git-lfs+json' })
    res.end(
      JSON.stringify({
        transfer: 'basic',
        objects: body.objects.map((o) =>
          this.#lfsObjects.has(o.oid) ? { oid: o.oid, size: o.size } : { oid: o.oid, size: o.size, actions: { upload: { href: `${this.url}/_lfs/${o.oid}` } } },
        ),
      }),
    )
  }

  async #onLfsUpload(req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray): Promise<void> {
    const data = await readBody(req)
    if (sha256Hex(data) !== m[1]) return this.#sendError(req, res, 400, 'sha256 mismatch')
    this.#lfsObjects.set(m[1] as string, data)
    res.writeHead(200, { etag: `"${m[1]}"` })
    res.end()
  }

  async #onCommit(req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray): Promise<void> {
    const lines = (await readBody(req)).toString().split('\n').filter(Boolean)
    const found = this.#lookup(req, res, m[1], m[2] as string)
    if (!found) return
    const { repo } = found
    const tree = new Map(repo.head ? repo.commits.get(repo.head) : [])
    for (const line of lines) {
      const { key, value } = JSON.parse(line) as { key: string; value: Record<string, string> }
      if (key === 'file') tree.set(value.path as string, { content: Buffer.from(value.content as string, 'base64'), lfs: false })
      else if (key === 'lfsFile') {
        const content = this.#lfsObjects.get(value.oid as string)
        if (!content) return this.#sendError(req, res, 422, `LFS object ${value.oid} was not uploaded`)
        tree.set(value.path as string, { content, lfs: true })
      } else if (key === 'deletedFile') tree.delete(value.path as string)
    }
    const sha = this.#addCommit(repo, tree)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ commitOid: sha, commitUrl: `${this.url}/commit/${sha}`, hookOutput: '' }))
  }

  async #onPathsInfo(req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray): Promise<void> {
    const body = JSON.parse((await readBody(req)).toString()) as { paths: string[] }
    const found = this.#lookup(req, res, m[1], m[2] as string, decodeURIComponent(m[3] as string))
    if (!found?.tree) return
    const tree = found.tree
    const out = body.paths.flatMap((p) => {
      const file = tree.get(p)
      return file ? [entryFor(p, file)] : []
    })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(out))
  }

  #onTree(req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray, url: URL, fault: Fault | undefined): void {
    const found = this.#lookup(req, res, m[1], m[2] as string, decodeURIComponent(m[3] as string))
    if (!found?.tree) return
    const files = [...found.tree.entries()].map(([p, f]) => entryFor(p, f))
    const dirs = new Set(files.flatMap((f) => f.path.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'))))
    let entries: TreeEntry[] = [...[...dirs].map((d) => ({ type: 'directory' as const, path: d, size: 0, oid: '0'.repeat(40) })), ...files]
    if (this.treeFilter) entries = this.treeFilter(entries)
    const pageSize = this.#options.treePageSize ?? 1000
    const cursor = Number(url.searchParams.get('cursor') ?? 0)
    const page = entries.slice(cursor, cursor + pageSize)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (cursor + pageSize < entries.length) {
      const next = new URL(url)
      next.searchParams.set('cursor', String(cursor + pageSize))
      headers.link = `<${next.href}>; rel="next"`
    }
    if (fault?.kind === 'link') headers.link = `<${fault.next}>; rel="next"`
    res.writeHead(200, headers)
    res.end(JSON.stringify(page))
  }

  #onResolve(req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray, fault: Fault | undefined): void {
    const found = this.#lookup(req, res, m[1], m[2] as string, decodeURIComponent(m[3] as string))
    if (!found?.tree) return
    const path = (m[4] as string).split('/').map(decodeURIComponent).join('/')
    const file = found.tree.get(path)
    if (!file) return this.#sendError(req, res, 404, 'Entry not found', 'EntryNotFound')
    const entry = entryFor(path, file)
    const common = { 'x-repo-commit': found.sha as string }
    if (entry.lfs) {
      // huggingface.co redirects LFS content to its CDN; a body fault then applies there.
      if (fault) this.#faults.unshift({ route: 'cdn', fault })
      this.#lfsObjects.set(entry.lfs.oid, file.content)
      res.writeHead(302, { ...common, location: `/_cdn/${entry.lfs.oid}`, 'x-linked-etag': `"${entry.lfs.oid}"`, 'x-linked-size': String(entry.size) })
      res.end()
      return
    }
    this.#sendBody(req, res, file.content, { ...common, etag: `"${entry.oid}"` }, fault)
  }

  #onCdn(req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray, fault: Fault | undefined): void {
    const content = this.#lfsObjects.get(m[1] as string)
    if (!content) return this.#sendError(req, res, 404, 'no such object')
    this.#sendBody(req, res, content, { etag: `"${m[1]}"` }, fault)
  }

  #sendBody(req: IncomingMessage, res: ServerResponse, content: Buffer, headers: Record<string, string>, fault: Fault | undefined): void {
    const range = req.headers.range?.match(/^bytes=(\d+)-(\d+)$/)
    if (range && !fault) {
      const start = Number(range[1])
      const end = Math.min(Number(range[2]), content.length - 1)
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${content.length}`, 'content-length': String(end - start + 1) })
      res.end(content.subarray(start, end + 1))
      return
    }
    const half = content.subarray(0, Math.floor(content.length / 2))
    res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(content.length) })
    if (fault?.kind === 'stall') {
      res.write(half)
      return
    }
    if (fault?.kind === 'truncate') {
      // FIN, not RST: the client gets every byte sent, then a premature end of the body.
      res.write(half, () => res.socket?.end())
      return
    }
    if (fault?.kind === 'swap') {
      res.end(Buffer.from(content.map((b) => b ^ 0xff)))
      return
    }
    res.end(content)
  }
}
