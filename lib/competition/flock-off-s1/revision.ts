/**
 * The live check of a committed revision: it must resolve on the hub to a commit whose
 * sha starts with it, and be at least MIN_REVISION_LENGTH characters — so a branch name
 * ("main", what "None" stands for) or a tag never passes, and neither does a short sha.
 */
import { MIN_REVISION_LENGTH } from './constants.js'

export type RevisionCheck = { ok: true } | { ok: false; reason: string }

export function checkRevision(revision: string, resolvedSha: string): RevisionCheck {
  const n = Math.max(revision.length, MIN_REVISION_LENGTH)
  if (resolvedSha.slice(0, n) === revision) return { ok: true }
  return { ok: false, reason: `revision ${JSON.stringify(revision.slice(0, 80))} is not a commit sha (at least ${MIN_REVISION_LENGTH} characters) of the commit it names, ${resolvedSha}` }
}
