/**
 * Downloading a miner's dataset: pinned to the committed sha, size-capped, through the
 * hub cache. The file is `data.jsonl` (what the live subnet uses); a repo without it but
 * with exactly one other .jsonl file at that commit is read from that one.
 */
import type { DatasetCommitment } from '../chain/index.js'
import { datasetRepo, HubNotFoundError, type CachedFile, type HubCache } from '../hub/index.js'

export const DATASET_FILE = 'data.jsonl'

export async function fetchDataset(cache: HubCache, c: DatasetCommitment, maxBytes: number, signal?: AbortSignal): Promise<CachedFile> {
  const repo = datasetRepo(c.repo)
  const get = (path: string) => cache.downloadFile({ repo, sha: c.revision, path, maxBytes, ...(signal ? { signal } : {}) })
  try {
    return await get(DATASET_FILE)
  } catch (err) {
    if (!(err instanceof HubNotFoundError) || err.path !== DATASET_FILE) throw err
    const jsonl = (await cache.hub.listFiles(repo, c.revision, signal)).filter((f) => f.path.endsWith('.jsonl'))
    if (jsonl.length !== 1) {
      throw new HubNotFoundError(`no ${DATASET_FILE}, and ${jsonl.length} other .jsonl files, at this commit`, { repo: `datasets/${c.repo}`, sha: c.revision })
    }
    return get(jsonl[0]!.path)
  }
}
