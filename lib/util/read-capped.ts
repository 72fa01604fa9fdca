/**
 * Reading a whole file from an untrusted place with a cap on the bytes read. The cap applies
 * to what is read, not to what `stat` reports: a device (/dev/zero), a pipe or a file that
 * grows while it is read reports a size of 0 or too little, and would otherwise be read
 * until memory runs out.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { open } from 'node:fs/promises'

import { FlockError } from '../errors.js'

/** A file gave more bytes than its cap (E_FILE_TOO_LARGE); nothing past the cap was read. */
export class FileTooLargeError extends FlockError {
  readonly path: string
  readonly maxBytes: number
  constructor(path: string, maxBytes: number) {
    super('E_FILE_TOO_LARGE', `${path}: larger than the limit of ${maxBytes} bytes`)
    this.path = path
    this.maxBytes = maxBytes
  }
}

const CHUNK = 1 << 20

function checkCap(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`)
}

/** The file's bytes; throws FileTooLargeError once more than `maxBytes` have been read, and the fs error when it cannot be read. */
export async function readFileCapped(path: string, maxBytes: number): Promise<Buffer> {
  checkCap(maxBytes)
  const fh = await open(path, 'r')
  try {
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      // one byte more than the cap is asked for, so a file of exactly maxBytes is accepted
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total))
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead))
      total += bytesRead
      if (total > maxBytes) throw new FileTooLargeError(path, maxBytes)
    }
    return Buffer.concat(chunks, total)
  } finally {
    await fh.close()
  }
}

/** readFileCapped, decoded as UTF-8. */
export async function readTextCapped(path: string, maxBytes: number): Promise<string> {
  return (await readFileCapped(path, maxBytes)).toString('utf8')
}

/** readTextCapped for the few callers that must stay synchronous (resolving a token in a constructor). */
export function readTextCappedSync(path: string, maxBytes: number): string {
  checkCap(maxBytes)
  const fd = openSync(path, 'r')
  try {
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total))
      const bytesRead = readSync(fd, buf, 0, buf.length, null)
      if (bytesRead === 0) break
      chunks.push(buf.subarray(0, bytesRead))
      total += bytesRead
      if (total > maxBytes) throw new FileTooLargeError(path, maxBytes)
    }
    return Buffer.concat(chunks, total).toString('utf8')
  } finally {
    closeSync(fd)
  }
}
