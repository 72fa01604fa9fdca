/**
 * The local chain's state file. Readers take the file as it is (writes are atomic
 * renames, so a reader never sees half a file); writers take a lock (proper-lockfile)
 * so several processes — a miner and a validator in a demo — can share one chain.
 */
import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'

import lockfile from 'proper-lockfile'

import { ChainStateError } from '../errors.js'
import { readJsonFile, writeJsonFile } from '../json-file.js'
import { checkState, type LocalState } from './state.js'

export class LocalStateFile {
  readonly path: string

  constructor(path: string) {
    this.path = path
  }

  /** Creates the file with a fresh genesis (or the one given) unless it exists. */
  async ensure(init: { blockTimeMs: number | null; maxSpace: number; now: number; genesisHash?: string }): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true })
    await this.#locked(async () => {
      if ((await readJsonFile(this.path)) !== undefined) return
      const genesis: LocalState = {
        version: 1,
        genesisHash: init.genesisHash ?? `0x${randomBytes(32).toString('hex')}`,
        block: 0,
        blockTimeMs: init.blockTimeMs,
        anchorMs: init.now,
        maxSpace: init.maxSpace,
        subnets: {},
      }
      await writeJsonFile(this.path, genesis)
    })
  }

  async read(): Promise<LocalState> {
    const doc = await readJsonFile(this.path)
    if (doc === undefined) throw new ChainStateError(this.path, 'does not exist')
    return checkState(this.path, doc)
  }

  /** Reads, lets `change` edit the state, writes it back, all under the lock. */
  async update<T>(change: (state: LocalState) => T): Promise<T> {
    return this.#locked(async () => {
      const state = await this.read()
      const result = change(state)
      await writeJsonFile(this.path, state)
      return result
    })
  }

  async #locked<T>(run: () => Promise<T>): Promise<T> {
    let release: () => Promise<void>
    try {
      release = await lockfile.lock(this.path, {
        realpath: false,
        lockfilePath: `${this.path}.lock`,
        stale: 10_000,
        retries: { retries: 100, minTimeout: 10, maxTimeout: 200 },
      })
    } catch (err) {
      throw new ChainStateError(this.path, `cannot take the lock (${(err as Error).message})`, { cause: err })
    }
    try {
      return await run()
    } finally {
      await release().catch(() => undefined)
    }
  }
}
