/**
 * Path safety for file names that come from a hub (listings, commitments): they are joined
 * onto cache folders, so anything that is not a plain relative POSIX path is refused, and
 * the joined result is checked to stay inside its root.
 */
import { resolve, sep } from 'node:path'

import { HubUnsafePathError, type HubErrorContext } from './errors.js'

const CONTROL = /[\u0000-\u001f\u007f]/
const DRIVE = /^[A-Za-z]:/

/** Throws unless `path` is a relative path of plain '/'-separated names. */
export function assertSafeRepoPath(path: unknown, ctx: HubErrorContext = {}): string {
  const fail = (why: string): never => {
    throw new HubUnsafePathError(`unsafe file name: ${why}`, { ...ctx, path: String(path) })
  }
  if (typeof path !== 'string' || path.length === 0) return fail('empty')
  if (path.length > 4096) return fail('longer than 4096 characters')
  if (CONTROL.test(path)) return fail('contains a control character')
  if (path.includes('\\')) return fail('contains a backslash')
  if (path.startsWith('/') || DRIVE.test(path)) return fail('absolute path')
  for (const segment of path.split('/')) {
    if (segment === '') return fail('empty path segment')
    if (segment === '.' || segment === '..') return fail(`"${segment}" path segment`)
    if (DRIVE.test(segment)) return fail('drive-letter segment')
    if (Buffer.byteLength(segment) > 255) return fail('a path segment is longer than 255 bytes')
  }
  return path
}

/** Joins a checked repo path onto `root` and verifies the result is strictly inside it. */
export function resolveInside(root: string, path: string, ctx: HubErrorContext = {}): string {
  assertSafeRepoPath(path, ctx)
  const base = resolve(root)
  const full = resolve(base, ...path.split('/'))
  if (!full.startsWith(base + sep)) {
    throw new HubUnsafePathError('file name escapes the cache folder', { ...ctx, path })
  }
  return full
}
