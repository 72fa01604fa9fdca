/**
 * Tokenizer workers, from the caller's side. Each request takes an idle worker
 * (or starts one), and gives it back when done; a worker that overran the row
 * time limit, was cancelled or died is terminated instead, so no request ever
 * waits on another's hostile row, and the caller's event loop (timers, signals,
 * SIGTERM handlers) keeps running while rows are tokenized.
 *
 * The idle workers are shared by every ChatTokenizer of the process (one pool per
 * heap limit): starting a thread costs far more than loading a tokenizer into one
 * (seconds under ts-node), and a validator loads its tokenizer once per evaluation
 * when given a model folder. A worker keeps the last few tokenizers it loaded, by key.
 *
 * Time is the one bound @huggingface/jinja and @huggingface/tokenizers cannot
 * enforce themselves: it is enforced here, by terminating the worker. Memory is
 * bounded by the worker's heap limit (a worker past it dies alone, with
 * ERR_WORKER_OUT_OF_MEMORY).
 */
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

import { CancelledError } from '../errors.js'
import type { DatasetRow } from '../dataset/types.js'
import { TokenizerError } from './errors.js'
import type { ChatFormat } from './row-tokenizer.js'
import type { RenderOutcome, RowOutcome, TokenizerInit, WorkerReply, WorkerRequest } from './worker-protocol.js'

export interface WorkerLimits {
  /** a row (or a render) taking longer than this fails, and its worker is terminated */
  rowTimeoutMs: number
  /** a worker that has not loaded the tokenizer within this is a TokenizerError */
  startTimeoutMs: number
  /** the worker's V8 old-generation heap limit */
  heapMb: number
}

export const DEFAULT_WORKER_LIMITS: Readonly<WorkerLimits> = Object.freeze({ rowTimeoutMs: 60_000, startTimeoutMs: 120_000, heapMb: 2048 })

/** Rows sent to a worker in one message: small enough to clone quickly, large enough to keep it busy. */
const CHUNK_ROWS = 64
/** Tokenizers a worker keeps loaded; idle workers kept. */
const MAX_LOADED = 4
const MAX_IDLE = 4

/** A ChatTokenizer, as the workers know it. */
export interface PoolClient {
  /** unique per ChatTokenizer (newClientKey) */
  key: number
  init: TokenizerInit
  limits: WorkerLimits
}

let lastKey = 0
export function newClientKey(): number {
  return ++lastKey
}

const pools = new Map<number, TokenizerWorkerPool>()

/** The process's pool of workers with this heap limit. */
export function workerPool(heapMb: number): TokenizerWorkerPool {
  let pool = pools.get(heapMb)
  if (!pool) pools.set(heapMb, (pool = new TokenizerWorkerPool(heapMb)))
  return pool
}

// tokenize-worker.ts under a TypeScript loader (a test run from source), tokenize-worker.js once compiled
const WORKER_URL = new URL(`./tokenize-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

type Stop = { kind: 'aborted' } | { kind: 'timeout' } | { kind: 'died'; reason: string }

class WorkerStopped extends Error {
  constructor(readonly stop: Stop) {
    super(stop.kind)
  }
}

function describeDeath(err: unknown): string {
  const code = (err as { code?: unknown })?.code
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'it ran out of memory'
  return err instanceof Error ? err.message : String(err)
}

interface Handle {
  worker: Worker
  /** set once the worker failed or exited: it is never reused */
  dead: string | null
  /** keys of the tokenizers it holds, the last used last */
  loaded: number[]
}

export class TokenizerWorkerPool {
  readonly #heapMb: number
  readonly #idle: Handle[] = []
  #nextId = 1

  constructor(heapMb: number) {
    this.#heapMb = heapMb
  }

  /** Drops a tokenizer from the idle workers that hold it. */
  unload(key: number): void {
    for (const h of this.#idle) {
      if (!h.loaded.includes(key)) continue
      h.loaded = h.loaded.filter((k) => k !== key)
      h.worker.postMessage({ id: this.#nextId++, kind: 'unload', key } satisfies WorkerRequest)
    }
  }

  /** Tokenizes every row; a row that fails, times out or kills its worker gets a failed outcome, and the rest go on. */
  async tokenize(client: PoolClient, rows: readonly DatasetRow[], maxSeqLen: number, signal?: AbortSignal, format?: ChatFormat): Promise<RowOutcome[]> {
    const outcomes: RowOutcome[] = new Array(rows.length)
    let next = 0
    while (next < rows.length) {
      const h = await this.#acquire(client, signal)
      try {
        while (next < rows.length) {
          const first = next
          const request: WorkerRequest = { id: this.#nextId++, kind: 'tokenize', key: client.key, rows: rows.slice(first, first + CHUNK_ROWS), first, maxSeqLen, ...(format ? { format } : {}) }
          await this.#exchange(h, request, signal, client.limits.rowTimeoutMs, (reply) => {
            if (reply.kind === 'row') {
              outcomes[reply.index] = reply.outcome
              next = reply.index + 1
            }
            return reply.kind === 'done'
          })
        }
        this.#release(h)
      } catch (err) {
        void h.worker.terminate()
        const stop = this.#stopOf(err)
        if (next >= rows.length) break // every row answered; only the end of the exchange was lost
        outcomes[next] =
          stop.kind === 'timeout'
            ? { ok: false, code: 'E_TOKENIZE_TIMEOUT', reason: `tokenizing the row took longer than the limit of ${client.limits.rowTimeoutMs} ms` }
            : { ok: false, code: 'E_TOKENIZE_WORKER', reason: `the tokenizer worker died on the row: ${stop.reason}` }
        next++
      }
    }
    return outcomes
  }

  async render(client: PoolClient, row: DatasetRow, addGenerationPrompt: boolean, signal?: AbortSignal): Promise<RenderOutcome> {
    const h = await this.#acquire(client, signal)
    let outcome: RenderOutcome | undefined
    try {
      await this.#exchange(h, { id: this.#nextId++, kind: 'render', key: client.key, row, addGenerationPrompt }, signal, client.limits.rowTimeoutMs, (reply) => {
        if (reply.kind === 'rendered') outcome = reply.outcome
        return reply.kind === 'rendered'
      })
      this.#release(h)
      return outcome!
    } catch (err) {
      void h.worker.terminate()
      const stop = this.#stopOf(err)
      if (stop.kind === 'timeout') return { ok: false, code: 'E_TOKENIZE_TIMEOUT', reason: `rendering the row took longer than the limit of ${client.limits.rowTimeoutMs} ms` }
      return { ok: false, code: 'E_TOKENIZE_WORKER', reason: `the tokenizer worker died rendering the row: ${stop.reason}` }
    }
  }

  /** Aborts become CancelledError; anything but a worker stop is rethrown. */
  #stopOf(err: unknown): Exclude<Stop, { kind: 'aborted' }> {
    if (!(err instanceof WorkerStopped)) throw err
    if (err.stop.kind === 'aborted') throw new CancelledError('E_CANCELLED', 'tokenization was cancelled')
    return err.stop
  }

  #release(h: Handle): void {
    if (h.dead !== null) return
    if (this.#idle.length >= MAX_IDLE) {
      void h.worker.terminate()
      return
    }
    h.worker.unref()
    this.#idle.push(h)
  }

  /**
   * An idle worker (one holding this tokenizer if any), or a new one, with the tokenizer
   * loaded. A worker that cannot start or load it is a TokenizerError, not a row's fault.
   */
  async #acquire(client: PoolClient, signal?: AbortSignal): Promise<Handle> {
    if (signal?.aborted) throw new CancelledError('E_CANCELLED', 'tokenization was cancelled')
    const i = this.#idle.findIndex((h) => h.loaded.includes(client.key))
    const h = (i >= 0 ? this.#idle.splice(i, 1)[0] : this.#idle.pop()) ?? (await this.#spawn(client, signal))
    h.worker.ref()
    if (h.loaded.includes(client.key)) {
      h.loaded = [...h.loaded.filter((k) => k !== client.key), client.key]
      return h
    }
    let error: string | null = null
    try {
      await this.#exchange(h, { id: this.#nextId++, kind: 'load', key: client.key, init: client.init }, signal, client.limits.startTimeoutMs, (reply) => {
        if (reply.kind === 'loaded') error = reply.error
        return reply.kind === 'loaded'
      })
    } catch (err) {
      void h.worker.terminate()
      const stop = this.#stopOf(err)
      throw new TokenizerError(`the tokenizer worker did not load the tokenizer: ${stop.kind === 'timeout' ? `no answer within ${client.limits.startTimeoutMs} ms` : stop.reason}`)
    }
    if (error !== null) {
      this.#release(h)
      throw new TokenizerError(`the tokenizer worker could not load the tokenizer: ${error}`)
    }
    h.loaded.push(client.key)
    while (h.loaded.length > MAX_LOADED) h.worker.postMessage({ id: this.#nextId++, kind: 'unload', key: h.loaded.shift()! } satisfies WorkerRequest)
    return h
  }

  async #spawn(client: PoolClient, signal?: AbortSignal): Promise<Handle> {
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: this.#heapMb } })
    const h: Handle = { worker, dead: null, loaded: [] }
    // a permanent listener: an 'error' event with none would crash the caller's process
    worker.on('error', (err) => (h.dead ??= describeDeath(err)))
    worker.on('exit', (code) => (h.dead ??= `it exited with code ${code}`))
    try {
      await this.#exchange(h, null, signal, client.limits.startTimeoutMs, (reply) => reply.kind === 'ready')
    } catch (err) {
      void worker.terminate()
      const stop = this.#stopOf(err)
      throw new TokenizerError(`the tokenizer worker did not start: ${stop.kind === 'timeout' ? `no answer within ${client.limits.startTimeoutMs} ms` : stop.reason}`)
    }
    return h
  }

  /** Sends `request` (none: waits for 'ready') and feeds replies to `onReply` until it returns true. */
  #exchange(h: Handle, request: WorkerRequest | null, signal: AbortSignal | undefined, timeoutMs: number, onReply: (r: WorkerReply) => boolean): Promise<void> {
    const { worker } = h
    const id = request?.id ?? 0
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const arm = () => {
        clearTimeout(timer)
        timer = setTimeout(() => finish(new WorkerStopped({ kind: 'timeout' })), timeoutMs)
      }
      const onMessage = (reply: WorkerReply) => {
        if (reply.id !== id) return
        arm()
        if (onReply(reply)) finish()
      }
      const onError = (err: unknown) => finish(new WorkerStopped({ kind: 'died', reason: describeDeath(err) }))
      const onExit = (code: number) => finish(new WorkerStopped({ kind: 'died', reason: h.dead ?? `it exited with code ${code}` }))
      const onAbort = () => finish(new WorkerStopped({ kind: 'aborted' }))
      const finish = (err?: Error) => {
        clearTimeout(timer)
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
        signal?.removeEventListener('abort', onAbort)
        if (err) reject(err)
        else resolve()
      }
      if (h.dead !== null) return reject(new WorkerStopped({ kind: 'died', reason: h.dead }))
      worker.on('message', onMessage)
      worker.on('error', onError)
      worker.on('exit', onExit)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (signal?.aborted) return onAbort()
      arm()
      if (request) worker.postMessage(request)
    })
  }
}
