/** JSON state files: read whole (capped), written atomically and durably (temp file, complete write, fsync, rename). */
import { writeFileDurable } from '../util/durable-write.js'
import { FileTooLargeError, readTextCapped } from '../util/read-capped.js'
import { ChainStateError } from './errors.js'

/** Far above what a local chain or the pending reveals hold; the cap keeps a damaged or hostile file from filling memory. */
export const CHAIN_STATE_MAX_BYTES = 256 * 1024 * 1024

/** The parsed file, or undefined when it does not exist. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readTextCapped(path, CHAIN_STATE_MAX_BYTES)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    if (err instanceof FileTooLargeError) throw new ChainStateError(path, `is larger than the limit of ${CHAIN_STATE_MAX_BYTES} bytes`)
    throw new ChainStateError(path, `cannot read: ${(err as Error).message}`, { cause: err })
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new ChainStateError(path, 'is not valid JSON')
  }
}

export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFileDurable(path, JSON.stringify(value, null, 1) + '\n', { mode: 0o600 })
}
