/** Pinned revisions: only a full 40-hex commit sha names immutable content. */
import { HubRevisionError, type HubErrorContext } from './errors.js'

const FULL_SHA = /^[0-9a-f]{40}$/i

export function isCommitSha(value: unknown): value is string {
  return typeof value === 'string' && FULL_SHA.test(value)
}

/** Returns the sha in lower case; refuses branch names, tags and short shas. */
export function assertCommitSha(revision: unknown, ctx: HubErrorContext = {}): string {
  if (!isCommitSha(revision)) {
    throw new HubRevisionError(
      'revision must be a full 40-hex commit sha (branch names, tags and short shas are refused)',
      { ...ctx, sha: String(revision) },
    )
  }
  return revision.toLowerCase()
}
