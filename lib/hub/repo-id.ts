/**
 * Repo references. Repo ids come from chain commitments (untrusted) and become cache folder
 * names, so they are checked against the hub's own naming rules before anything else.
 */
import { getRepoFolderName } from '@huggingface/hub'

import { HubRepoIdError } from './errors.js'

export type RepoType = 'dataset' | 'model'

/** A hub repo: its type and its full name `namespace/name`. */
export interface RepoRef {
  readonly type: RepoType
  readonly name: string
}

// The hub's rules: letters, digits, '-', '_', '.'; at most 96 characters; no '--' or '..';
// no leading or trailing '-' or '.'.
const PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/

export function repoRef(type: RepoType, name: string): RepoRef {
  if (typeof name !== 'string') throw new HubRepoIdError('repo id must be a string')
  const parts = name.split('/')
  const ok =
    parts.length === 2 && parts.every((part) => PART.test(part) && !part.includes('--') && !part.includes('..'))
  if (!ok) {
    throw new HubRepoIdError('repo id must be "namespace/name" using letters, digits, "-", "_" and "."', {
      repo: name,
    })
  }
  return { type, name }
}

export const datasetRepo = (name: string): RepoRef => repoRef('dataset', name)
export const modelRepo = (name: string): RepoRef => repoRef('model', name)

/** How the hub names a repo in URLs and messages: `datasets/org/name`, or `org/name` for models. */
export function repoLabel(repo: RepoRef): string {
  return repo.type === 'model' ? repo.name : `${repo.type}s/${repo.name}`
}

/** The folder name of a repo in the standard HF cache: `models--org--name`, `datasets--org--name`. */
export function repoFolderName(repo: RepoRef): string {
  return getRepoFolderName({ type: repo.type, name: repo.name })
}
