/**
 * One validator per state folder: a lock file naming the holder's pid. A lock left by a
 * process that is gone (killed, or from before a reboot) is taken over, so a validator
 * restarted right after kill -9 starts at once.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { hostname, uptime } from 'node:os'
import { join } from 'node:path'

import { StoreLockedError } from './errors.js'

interface LockInfo {
  pid: number
  host: string
  startedAt: number
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function holder(file: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as LockInfo
    const bootedAt = Date.now() - uptime() * 1000
    const live = info.host === hostname() && Number.isInteger(info.pid) && info.startedAt > bootedAt && info.pid !== process.pid && alive(info.pid)
    return live ? info : null
  } catch {
    return null // unreadable or half-written: nobody holds it
  }
}

/** Takes the lock on `dir`; resolves to its release. */
export async function lockDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, 'lock')
  const mine: LockInfo = { pid: process.pid, host: hostname(), startedAt: Date.now() }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, JSON.stringify(mine), { flag: 'wx', mode: 0o600 })
      return async () => {
        await rm(file, { force: true })
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const other = await holder(file)
    if (other) throw new StoreLockedError(`${dir} is in use by process ${other.pid}; stop it or use another --state-dir`)
    await rm(file, { force: true })
  }
  throw new StoreLockedError(`cannot take the lock ${file}`)
}
