/**
 * The content hash of a dataset a commitment names, read from the hub (at the sha its
 * revision names now): how a miner recognises its own commitment of a file when the
 * competition's commitments carry no proof of their content (flock-off-s1).
 */
import type { DatasetCommitment } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import { validateDataset } from '../dataset/index.js'
import { resolveCommittedDataset } from '../competition/index.js'
import { fetchDataset, HubError, type HubCache } from '../hub/index.js'

export async function committedContentHash(cache: HubCache, c: DatasetCommitment, config: Pick<CompetitionConfig, 'dataset'>, signal?: AbortSignal): Promise<string | null> {
  try {
    const file = await fetchDataset(cache, await resolveCommittedDataset(cache, c, signal), config.dataset.maxBytes, signal)
    const v = await validateDataset({ path: file.file }, { limits: config.dataset, ...(signal ? { signal } : {}) })
    return v.ok ? v.hash : null
  } catch (err) {
    // the committed dataset is gone, private or unreadable: not this content
    if (err instanceof HubError) return null
    throw err
  }
}
