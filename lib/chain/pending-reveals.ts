/**
 * Weight commits waiting for their reveal epoch, kept in one JSON file so that a
 * validator restarted between commit and reveal still reveals.
 */
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'

import { ChainStateError } from './errors.js'
import { readJsonFile, writeJsonFile } from './json-file.js'
import type { PendingReveal } from './types.js'

const isU16Array = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff)

function checkEntry(path: string, e: unknown, i: number): PendingReveal {
  const r = e as Record<string, unknown>
  const ok =
    typeof r === 'object' && r !== null &&
    typeof r.genesisHash === 'string' && typeof r.hotkey === 'string' &&
    Number.isInteger(r.netuid) && typeof r.commitHash === 'string' && /^0x[0-9a-f]{64}$/.test(r.commitHash) &&
    Number.isInteger(r.commitBlock) && isU16Array(r.uids) && isU16Array(r.values) && isU16Array(r.salt) &&
    typeof r.versionKey === 'string' && /^\d+$/.test(r.versionKey) &&
    (r.mechanismId === undefined || (Number.isInteger(r.mechanismId) && (r.mechanismId as number) >= 0 && (r.mechanismId as number) <= 0xff))
  if (!ok) throw new ChainStateError(path, `reveals[${i}] is malformed`)
  return {
    genesisHash: r.genesisHash as string, hotkey: r.hotkey as string, netuid: r.netuid as number,
    commitHash: r.commitHash as string, commitBlock: r.commitBlock as number,
    uids: r.uids as number[], values: r.values as number[], salt: r.salt as number[], versionKey: r.versionKey as string,
    ...(r.mechanismId ? { mechanismId: r.mechanismId as number } : {}),
  }
}

export class PendingRevealStore {
  readonly path: string
  // Serializes read-modify-write cycles of this process.
  #queue: Promise<unknown> = Promise.resolve()

  constructor(path: string) {
    this.path = path
  }

  async list(): Promise<PendingReveal[]> {
    const doc = await readJsonFile(this.path)
    if (doc === undefined) return []
    const reveals = (doc as { version?: unknown; reveals?: unknown }).reveals
    if ((doc as { version?: unknown }).version !== 1 || !Array.isArray(reveals)) {
      throw new ChainStateError(this.path, 'is not a pending-reveals file (version 1)')
    }
    return reveals.map((e, i) => checkEntry(this.path, e, i))
  }

  add(entry: PendingReveal): Promise<void> {
    return this.#update((all) => [...all.filter((e) => e.commitHash !== entry.commitHash), entry])
  }

  remove(commitHashes: readonly string[]): Promise<void> {
    const drop = new Set(commitHashes)
    return this.#update((all) => all.filter((e) => !drop.has(e.commitHash)))
  }

  #update(change: (all: PendingReveal[]) => PendingReveal[]): Promise<void> {
    const run = this.#queue.then(async () => {
      const next = change(await this.list())
      await mkdir(dirname(this.path), { recursive: true })
      await writeJsonFile(this.path, { version: 1, reveals: next })
    })
    this.#queue = run.catch(() => undefined)
    return run
  }
}
