/** JSON state files: read whole, written atomically (temp file, fsync, rename) by write-file-atomic. */
import { readFile } from 'node:fs/promises'

import writeFileAtomic from 'write-file-atomic'

import { ChainStateError } from './errors.js'

/** The parsed file, or undefined when it does not exist. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ChainStateError(path, `cannot read: ${(err as Error).message}`, { cause: err })
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new ChainStateError(path, 'is not valid JSON')
  }
}

export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 1) + '\n', { mode: 0o600, fsync: true })
}
