import { homedir } from 'node:os'
import { join } from 'node:path'

/** `~` and `~/…` as the shell would expand them (wallet paths, state folders). */
export function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path
}
