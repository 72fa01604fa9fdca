/**
 * The validator's persistent store: every result with its reason, every evaluation
 * start, the smoothed weights. Records go to an fsynced journal as they happen; now and
 * then (and on a clean close) the whole state is written as a snapshot (temp file,
 * fsync, rename: write-file-atomic) and the journal starts over. Every entry carries a
 * sequence number and the snapshot the last one it holds, so a crash between the two
 * steps replays nothing twice. Killed at any instant, the store reopens with every
 * record whose write had returned.
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'

import writeFileAtomic from 'write-file-atomic'

import { StoreCorruptError } from './errors.js'
import { Journal, parseJournal } from './journal.js'
import { lockDir } from './lock.js'
import { applyEntry, asEntry, emptyState, type JournalEntry, type MinerResult, type StoreState, type WeightsRecord } from './records.js'

const SNAPSHOT = 'snapshot.json'
const JOURNAL = 'journal.jsonl'

type NewEntry = JournalEntry extends infer E ? (E extends JournalEntry ? Omit<E, 'seq'> : never) : never

export interface ResultStoreOptions {
  /** Write a snapshot and empty the journal after this many entries. Default 500. */
  compactEvery?: number
}

async function readSnapshot(dir: string): Promise<StoreState> {
  const path = join(dir, SNAPSHOT)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
    throw err
  }
  let doc: { version?: unknown; state?: StoreState }
  try {
    doc = JSON.parse(text) as typeof doc
  } catch {
    throw new StoreCorruptError(path, 'is not JSON')
  }
  const s = doc.state
  if (doc.version !== 1 || !s || !Number.isSafeInteger(s.lastSeq) || typeof s.results !== 'object' || typeof s.starts !== 'object' || typeof s.abandoned !== 'object') {
    throw new StoreCorruptError(path, 'is not a validator store snapshot (version 1)')
  }
  return s
}

function replay(dir: string, state: StoreState, values: unknown[]): void {
  values.forEach((v, i) => {
    const entry = asEntry(v)
    if (!entry) throw new StoreCorruptError(join(dir, JOURNAL), `entry ${i + 1} is not a store record`)
    applyEntry(state, entry)
  })
}

export class ResultStore {
  readonly dir: string
  readonly #state: StoreState
  readonly #journal: Journal
  readonly #release: () => Promise<void>
  readonly #compactEvery: number
  #sinceCompaction = 0
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false

  private constructor(dir: string, state: StoreState, journal: Journal, release: () => Promise<void>, options: ResultStoreOptions) {
    this.dir = dir
    this.#state = state
    this.#journal = journal
    this.#release = release
    this.#compactEvery = options.compactEvery ?? 500
  }

  /** Opens (or creates) the store in `dir` and locks it for this process. */
  static async open(dir: string, options: ResultStoreOptions = {}): Promise<ResultStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const release = await lockDir(dir)
    try {
      // leftovers of snapshot or journal writes cut short by a crash
      for (const name of await readdir(dir)) if (/^(snapshot\.json|journal\.jsonl)\..+/.test(name)) await rm(join(dir, name), { force: true })
      const state = await readSnapshot(dir)
      const { journal, contents } = await Journal.open(join(dir, JOURNAL))
      try {
        replay(dir, state, contents.values)
      } catch (err) {
        await journal.close()
        throw err
      }
      return new ResultStore(dir, state, journal, release, options)
    } catch (err) {
      await release()
      throw err
    }
  }

  /** Reads the store without locking it or writing anything (for tools and tests). */
  static async peek(dir: string): Promise<StoreState> {
    for (;;) {
      const state = await readSnapshot(dir)
      let text = ''
      try {
        text = await readFile(join(dir, JOURNAL), 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
      // a compaction between the two reads would hide entries: read again
      if ((await readSnapshot(dir)).lastSeq !== state.lastSeq) continue
      replay(dir, state, parseJournal(join(dir, JOURNAL), text).values)
      return state
    }
  }

  get(key: string): MinerResult | undefined {
    return this.#state.results[key]
  }

  results(): MinerResult[] {
    return Object.values(this.#state.results)
  }

  starts(key: string): number {
    return this.#state.starts[key] ?? 0
  }

  abandoned(key: string): number {
    return this.#state.abandoned[key] ?? 0
  }

  weights(): WeightsRecord | null {
    return this.#state.weights
  }

  recordStart(key: string): Promise<void> {
    return this.#append({ type: 'started', key, at: new Date().toISOString() })
  }

  recordResult(result: MinerResult): Promise<void> {
    return this.#append({ type: 'result', result })
  }

  recordAbandoned(key: string, reason: string): Promise<void> {
    return this.#append({ type: 'abandoned', key, reason, at: new Date().toISOString() })
  }

  recordWeights(weights: WeightsRecord): Promise<void> {
    return this.#append({ type: 'weights', weights })
  }

  /** Entries are written one at a time, in call order; the state changes once the entry is durable. */
  #append(entry: NewEntry): Promise<void> {
    const run = this.#queue.then(async () => {
      if (this.#closed) throw new Error(`the store in ${this.dir} is closed`)
      const full = { ...entry, seq: this.#state.lastSeq + 1 } as JournalEntry
      await this.#journal.append(full)
      applyEntry(this.#state, full)
      if (++this.#sinceCompaction >= this.#compactEvery) await this.#compact()
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #compact(): Promise<void> {
    await writeFileAtomic(join(this.dir, SNAPSHOT), JSON.stringify({ version: 1, state: this.#state }), { fsync: true, mode: 0o600 })
    await writeFileAtomic(join(this.dir, JOURNAL), '', { fsync: true, mode: 0o600 })
    await this.#journal.reopen()
    this.#sinceCompaction = 0
  }

  /** Writes a snapshot and releases the lock. */
  async close(): Promise<void> {
    const run = this.#queue.then(async () => {
      if (this.#closed) return
      await this.#compact()
      this.#closed = true
      await this.#journal.close()
      await this.#release()
    })
    this.#queue = run.catch(() => undefined)
    return run
  }
}
