/**
 * The store's snapshot: the whole state, checksummed (format 2), written atomically and
 * durably. `state.lastSeq` is the last record it covers; the journal says which record it
 * continues from, so the two together show when records are missing. Snapshots written
 * before checksums (format 1) are read, and the store rewrites them at once.
 */
import type { OpenWritable } from '../../util/durable-write.js'
import { writeFileDurable } from '../../util/durable-write.js'
import { FileTooLargeError, readTextCapped } from '../../util/read-capped.js'
import { StoreCorruptError, StoreWriteError } from './errors.js'
import type { StoreState } from './records.js'
import { openSealed, sealJson } from './sealed.js'

/** Far above the state of years of results; past it the file cannot be a snapshot this store wrote. */
export const SNAPSHOT_MAX_BYTES = 256 * 1024 * 1024

export interface Snapshot {
  format: 1 | 2
  state: StoreState
  /** Written while migrating a store from format 1: its old journal may still be beside it. */
  migrating: boolean
}

function stateOf(path: string, doc: Record<string, unknown>, version: 1 | 2): StoreState {
  const s = doc.state as StoreState | undefined
  const isMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (doc.version !== version || !isMap(s) || !Number.isSafeInteger(s!.lastSeq) || s!.lastSeq < 0 || !isMap(s!.results) || !isMap(s!.starts) || !isMap(s!.abandoned)) {
    throw new StoreCorruptError(path, `is not a validator store snapshot (version ${version})`)
  }
  return s as StoreState
}

/** The snapshot in `path`, or null when there is none. Damage is a StoreCorruptError naming the file. */
export async function readSnapshot(path: string): Promise<Snapshot | null> {
  let text: string
  try {
    text = await readTextCapped(path, SNAPSHOT_MAX_BYTES)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    if (err instanceof FileTooLargeError) throw new StoreCorruptError(path, `is larger than the ${SNAPSHOT_MAX_BYTES} bytes a snapshot may have`)
    throw err
  }
  const body = text.endsWith('\n') ? text.slice(0, -1) : text
  const sealed = openSealed(body)
  if (sealed.ok) return { format: 2, state: stateOf(path, sealed.value, 2), migrating: sealed.value.migrating === true }
  if (sealed.problem === 'checksum mismatch') throw new StoreCorruptError(path, 'does not match its checksum: it was damaged after it was written')
  if (sealed.problem === 'not JSON') throw new StoreCorruptError(path, 'is not JSON')
  // no checksum: only a snapshot from before checksums (format 1) may lack one
  const doc = JSON.parse(body) as unknown
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new StoreCorruptError(path, 'is not a validator store snapshot')
  if ((doc as Record<string, unknown>).version === 2) throw new StoreCorruptError(path, 'has lost its checksum')
  return { format: 1, state: stateOf(path, doc as Record<string, unknown>, 1), migrating: false }
}

export async function writeSnapshot(path: string, state: StoreState, open: OpenWritable, options: { migrating?: boolean } = {}): Promise<void> {
  const doc = options.migrating ? { version: 2, migrating: true, state } : { version: 2, state }
  try {
    await writeFileDurable(path, `${sealJson(doc, 64)}\n`, { mode: 0o600, open })
  } catch (err) {
    throw new StoreWriteError(path, `the snapshot was not written: ${(err as Error).message}`, { cause: err })
  }
}
