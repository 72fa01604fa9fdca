/**
 * One download attempt of one file: stream the body into a temp file beside the blobs,
 * counting and hashing as it goes, abort when no bytes arrive for `stallTimeoutMs`, check
 * size and hash against what the hub announced, then rename into place atomically. A
 * failed attempt leaves nothing behind.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

import { writeAll } from '../util/durable-write.js'
import { ContentHasher, hashMismatch } from './content-hash.js'
import {
  HubError,
  type HubErrorContext,
  HubIntegrityError,
  HubNetworkError,
  HubTimeoutError,
  HubTruncatedError,
} from './errors.js'
import type { Hub, RemoteFile } from './hub.js'
import type { RepoRef } from './repo-id.js'

export interface StreamBlobOptions {
  hub: Hub
  repo: RepoRef
  sha: string
  remote: RemoteFile
  blobsDir: string
  blobPath: string
  stallTimeoutMs: number
  signal: AbortSignal
  ctx: HubErrorContext
}

/** Downloads into `blobPath` and resolves to the content's sha256. */
export async function streamBlob(o: StreamBlobOptions): Promise<string> {
  const { remote, ctx } = o
  const controller = new AbortController()
  const forward = (): void => controller.abort(o.signal.reason)
  if (o.signal.aborted) forward()
  else o.signal.addEventListener('abort', forward, { once: true })
  let timer: NodeJS.Timeout | undefined
  const arm = (): void => {
    clearTimeout(timer)
    timer = setTimeout(
      () => controller.abort(new HubTimeoutError(`no data from the hub for ${o.stallTimeoutMs} ms`, ctx)),
      o.stallTimeoutMs,
    )
  }

  await mkdir(o.blobsDir, { recursive: true })
  const tmp = join(o.blobsDir, `${randomUUID()}.incomplete`)
  let received = 0
  let actual: { sha256: string; gitOid: string }
  try {
    arm()
    const out = await open(tmp, 'wx')
    try {
      // Read the body as soon as it is open: a Node stream that fails (an abort) before
      // anything listens emits an unhandled 'error' and takes the process down.
      const { body } = await o.hub.openFile(o.repo, o.sha, remote.path, controller.signal)
      const hasher = new ContentHasher(remote.size)
      for await (const chunk of body) {
        arm()
        received += chunk.byteLength
        if (received > remote.size) {
          throw new HubIntegrityError(`body is longer than the ${remote.size} bytes the hub announced`, ctx)
        }
        hasher.update(chunk)
        await writeAll(out, chunk, null)
      }
      await out.sync()
      if (received < remote.size) {
        throw new HubTruncatedError(`body ended after ${received} of ${remote.size} bytes`, ctx)
      }
      actual = hasher.digest()
    } finally {
      await out.close()
    }
    const bad = hashMismatch(remote, actual)
    if (bad) throw new HubIntegrityError(`content does not match the ${bad} the hub announced for this file`, ctx)
    await rename(tmp, o.blobPath)
    return actual.sha256
  } catch (err) {
    await rm(tmp, { force: true })
    // A stall, the deadline or the caller's abort: its reason says which.
    if (controller.signal.aborted) throw controller.signal.reason
    if (err instanceof HubError) throw err
    // fetch reports a connection lost mid-body as a TypeError ("terminated").
    if (err instanceof TypeError) {
      if (received < remote.size) {
        throw new HubTruncatedError(`connection lost after ${received} of ${remote.size} bytes`, ctx)
      }
      throw new HubNetworkError('connection lost while reading the body', ctx)
    }
    throw err
  } finally {
    clearTimeout(timer)
    o.signal.removeEventListener('abort', forward)
  }
}
