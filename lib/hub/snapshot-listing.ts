/**
 * The file listing of a repo at a commit, checked before any of it touches the disk: every
 * path must be a safe relative path inside the snapshot folder, with no duplicates and a
 * valid size. A listing at a commit never changes, so it is kept beside the snapshot and a
 * later call needs no network.
 */
import { readTextCapped } from '../util/read-capped.js'
import { writeFileAtomic } from './cache-entry.js'
import { listingFile, type RepoCachePaths } from './cache-layout.js'
import { type HubErrorContext, HubProtocolError } from './errors.js'
import type { RemoteFile } from './hub.js'
import { resolveInside } from './safe-path.js'

/** More files than any dataset or model repo we read holds; a hub that pages on past it is refused. */
export const MAX_LISTED_FILES = 100_000
/** The saved listing of MAX_LISTED_FILES entries stays well below this. */
const LISTING_MAX_BYTES = 64 * 1024 * 1024

export function checkListing(files: readonly RemoteFile[], snapshotDir: string, ctx: HubErrorContext): RemoteFile[] {
  if (files.length > MAX_LISTED_FILES) throw new HubProtocolError(`hub listed more than ${MAX_LISTED_FILES} files`, ctx)
  const seen = new Set<string>()
  for (const file of files) {
    resolveInside(snapshotDir, file.path, ctx)
    if (seen.has(file.path)) throw new HubProtocolError('hub listed the same file twice', { ...ctx, path: file.path })
    seen.add(file.path)
    if (!Number.isSafeInteger(file.size) || file.size < 0) {
      throw new HubProtocolError('hub listed a file without a valid size', { ...ctx, path: file.path })
    }
  }
  // A file that is also the folder of another listed file cannot be laid out on disk.
  for (const file of files) {
    const parts = file.path.split('/')
    for (let i = 1; i < parts.length; i++) {
      if (seen.has(parts.slice(0, i).join('/'))) {
        throw new HubProtocolError('hub listed a file inside another file', { ...ctx, path: file.path })
      }
    }
  }
  return [...files]
}

export async function loadListing(
  paths: RepoCachePaths,
  ctx: HubErrorContext,
  fetchListing: () => Promise<RemoteFile[]>,
): Promise<RemoteFile[]> {
  const file = listingFile(paths)
  try {
    const saved = JSON.parse(await readTextCapped(file, LISTING_MAX_BYTES)) as RemoteFile[]
    return checkListing(saved, paths.snapshotDir, ctx)
  } catch {
    // No saved listing (or an unreadable one): ask the hub.
  }
  const listing = checkListing(await fetchListing(), paths.snapshotDir, ctx)
  await writeFileAtomic(file, JSON.stringify(listing))
  return listing
}
