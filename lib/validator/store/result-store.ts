/**
 * The validator's persistent store: every result with its reason, every evaluation
 * start, the smoothed weights. Records go to an fsynced, checksummed journal as they
 * happen; now and then (and on a clean close) the whole state is written as a checksummed
 * snapshot and a new journal begins after it. Each record carries a sequence number, the
 * snapshot the last one it covers and the journal the one it continues from, so a crash
 * between the two steps replays nothing twice, and a snapshot is never taken over a journal
 * that holds more: a missing or older snapshot, a missing journal or a gap between them is
 * reported as damage, not opened with records silently gone. Killed at any instant, the
 * store reopens with every record whose write had returned.
 *
 * Stores written before checksums (format 1) open as before and are rewritten in the
 * current format at once.
 */
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'

import { type OpenWritable, openWritable } from '../../util/durable-write.js'
import { StoreCorruptError } from './errors.js'
import { Journal, type JournalScan, scanJournal } from './journal.js'
import { lockDir } from './lock.js'
import { applyEntry, emptyState, type JournalEntry, type MinerResult, type StoreState, type WeightsRecord } from './records.js'
import { readSnapshot, type Snapshot, writeSnapshot } from './snapshot.js'

const SNAPSHOT = 'snapshot.json'
const JOURNAL = 'journal.jsonl'

type NewEntry = JournalEntry extends infer E ? (E extends JournalEntry ? Omit<E, 'seq'> : never) : never

export interface ResultStoreOptions {
  /** Write a snapshot and begin a new journal after this many entries. Default 500. */
  compactEvery?: number
  /** How the store opens files it writes (default: node's fs); tests inject short writes and full disks. */
  openFile?: OpenWritable
}

interface Loaded {
  state: StoreState
  snapshot: Snapshot | null
  journal: JournalScan
  /** The last record the snapshot covers (0 without one). */
  covered: number
}

/** The state on disk, after checking that snapshot and journal join without a gap. Read-only. */
async function load(dir: string): Promise<Loaded> {
  const snapshotPath = join(dir, SNAPSHOT)
  const journalPath = join(dir, JOURNAL)
  const snapshot = await readSnapshot(snapshotPath)
  const journal = await scanJournal(journalPath)
  const state = snapshot?.state ?? emptyState()
  const covered = state.lastSeq
  const continuesFrom = journal.format === 2 || journal.entries.length > 0 ? journal.after : null
  if (continuesFrom !== null && continuesFrom > covered) {
    const missing = covered + 1 === continuesFrom ? `record ${continuesFrom} is` : `records ${covered + 1} to ${continuesFrom} are`
    throw new StoreCorruptError(
      journalPath,
      snapshot
        ? `continues after record ${continuesFrom}, but ${SNAPSHOT} covers records only up to ${covered}: ${missing} missing (the store was not opened)`
        : `continues after record ${continuesFrom}, but ${SNAPSHOT} is missing: ${missing} lost with it (restore it; the store was not opened)`,
    )
  }
  // A current snapshot always has a current journal beside it, except in the two windows
  // where it is written first: a new store (nothing to lose) and a migration from format 1
  // (the old journal, all of it covered, is still there).
  const window = (covered === 0 && journal.format === null) || (snapshot?.migrating === true && journal.format === 1 && journal.entries.every((e) => e.seq <= covered))
  if (snapshot?.format === 2 && journal.format !== 2 && !window) {
    throw new StoreCorruptError(
      journalPath,
      `is ${journal.format === null ? 'missing' : 'empty or without its header'}, but ${SNAPSHOT} was written with one: records after ${covered} may be lost (restore it; the store was not opened)`,
    )
  }
  for (const entry of journal.entries) applyEntry(state, entry)
  return { state, snapshot, journal, covered }
}

/** The last record the snapshot covers, or null without one. */
async function snapshotCovers(dir: string): Promise<number | null> {
  return (await readSnapshot(join(dir, SNAPSHOT)))?.state.lastSeq ?? null
}

export class ResultStore {
  readonly dir: string
  readonly #state: StoreState
  #journal: Journal
  readonly #release: () => Promise<void>
  readonly #compactEvery: number
  readonly #open: OpenWritable
  #sinceCompaction = 0
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false

  private constructor(dir: string, state: StoreState, journal: Journal, release: () => Promise<void>, options: ResultStoreOptions) {
    this.dir = dir
    this.#state = state
    this.#journal = journal
    this.#release = release
    this.#compactEvery = options.compactEvery ?? 500
    this.#open = options.openFile ?? openWritable
  }

  /** Opens (or creates) the store in `dir` and locks it for this process. */
  static async open(dir: string, options: ResultStoreOptions = {}): Promise<ResultStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const release = await lockDir(dir)
    const open = options.openFile ?? openWritable
    try {
      // leftovers of snapshot or journal writes cut short by a crash
      for (const name of await readdir(dir)) if (/^(snapshot\.json|journal\.jsonl)\..+/.test(name)) await rm(join(dir, name), { force: true })
      const { state, snapshot, journal: scan } = await load(dir)
      let journal: Journal
      if (snapshot?.format === 2 && !snapshot.migrating && scan.format === 2) {
        journal = await Journal.resume(join(dir, JOURNAL), scan, open)
      } else {
        // a new store, or one from before checksums (or a migration cut short): rewritten in the current format first
        const migrating = snapshot !== null || scan.format === 1
        await writeSnapshot(join(dir, SNAPSHOT), state, open, { migrating })
        journal = await Journal.create(join(dir, JOURNAL), state.lastSeq, open)
        if (migrating) await writeSnapshot(join(dir, SNAPSHOT), state, open)
      }
      return new ResultStore(dir, state, journal, release, options)
    } catch (err) {
      await release()
      throw err
    }
  }

  /** Reads the store without locking it or writing anything (for tools and tests). */
  static async peek(dir: string): Promise<StoreState> {
    for (let attempt = 1; ; attempt++) {
      const before = await snapshotCovers(dir)
      try {
        const loaded = await load(dir)
        // a compaction while reading shows as a changed snapshot: read again
        if (loaded.snapshot === null ? before === null : loaded.covered === before) {
          if ((await snapshotCovers(dir)) === before) return loaded.state
        }
      } catch (err) {
        if (attempt >= 10 || (await snapshotCovers(dir)) === before) throw err
      }
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
      // the record is durable in the journal: a compaction that fails (a full disk) is tried again after the next one
      if (++this.#sinceCompaction >= this.#compactEvery) await this.#compact().catch(() => undefined)
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  /**
   * Snapshot first, then the new journal: a crash between the two leaves the old journal,
   * whose records the snapshot covers. When the new journal cannot be made, whichever journal
   * the file now is takes the next records.
   */
  async #compact(): Promise<void> {
    const path = join(this.dir, JOURNAL)
    await writeSnapshot(join(this.dir, SNAPSHOT), this.#state, this.#open)
    await this.#journal.close()
    try {
      this.#journal = await Journal.create(path, this.#state.lastSeq, this.#open)
    } catch (err) {
      this.#journal = await Journal.resume(path, await scanJournal(path), this.#open)
      throw err
    }
    this.#sinceCompaction = 0
  }

  /** Writes a snapshot and releases the lock. */
  async close(): Promise<void> {
    const run = this.#queue.then(async () => {
      if (this.#closed) return
      this.#closed = true
      // every record is in the journal already: a snapshot that cannot be written is reported, the lock released all the same
      try {
        await this.#compact()
      } finally {
        await this.#journal.close()
        await this.#release()
      }
    })
    this.#queue = run.catch(() => undefined)
    return run
  }
}
