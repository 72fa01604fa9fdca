/**
 * One validator per state folder. A process that wants the folder publishes a claim: a file
 * whose name says who it is (host, pid, start time, a random id). It holds the folder when,
 * with its claim published, it sees no other live claim; it then marks the claim as held.
 * Two processes that claim at the same instant see each other and both step back, then try
 * again after a random pause; a process that sees a held claim fails at once, naming its pid.
 *
 * Safe without timing assumptions: a claim exists from before its owner looks until its
 * owner releases, so of two overlapping claims the later one always sees the earlier. A
 * claim is judged from its name alone, so a claim being written is never mistaken for an
 * abandoned one. A claim whose process is gone (killed, or from before a reboot) is removed
 * by whoever sees it (its name is unique, so removing it cannot remove anyone else's), and a
 * validator restarted right after kill -9 starts at once.
 *
 * Hand-written rather than proper-lockfile: that library judges a lock stale by its mtime,
 * which the holder refreshes on a timer, so a holder whose event loop is blocked past the
 * stale period loses the lock to a second process, a restart after kill -9 waits out the
 * period, and a stale lock is broken by removing it by name, which two breakers can both do.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdir, rm, writeFile } from 'node:fs/promises'
import { hostname, uptime } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { readTextCapped } from '../../util/read-capped.js'
import { StoreLockedError } from './errors.js'

const CLAIM = /^lock\.([0-9a-f]{8})\.(\d{1,10})\.(\d{1,16})\.([0-9a-f]{8})$/
const HELD = '.held'
/** The lock file of stores written before claims: {pid, host, startedAt}. */
const LEGACY = 'lock'
const ATTEMPTS = 12

/**
 * The claims this process has published and not withdrawn. A claim with this process's pid
 * that is not in here was left by an earlier process that had the same pid (a container's
 * PID 1, restarted): it is gone. One set per process, as the pid is.
 */
const publishedHere = new Set<string>()

interface Claimant {
  host: string
  pid: number
  startedAt: number
}

const hostTag = (name: string): string => createHash('sha256').update(name).digest('hex').slice(0, 8)

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A claimant is live when it runs on this host, started after this boot, and its process exists (for this pid: holds it now). */
function live(c: Claimant, path: string): boolean {
  const bootedAt = Date.now() - uptime() * 1000
  if (c.host !== hostTag(hostname()) || !Number.isSafeInteger(c.pid) || c.pid <= 0 || !(c.startedAt > bootedAt)) return false
  return c.pid === process.pid ? publishedHere.has(path) : alive(c.pid)
}

interface Other {
  pid: number
  held: boolean
}

/** Every other live claim in `dir`; claims of processes that are gone are removed on the way. */
async function otherClaims(dir: string, mine: string): Promise<Other[]> {
  const names = new Set(await readdir(dir))
  const others: Other[] = []
  for (const name of names) {
    if (name === mine) continue
    const m = CLAIM.exec(name)
    if (m) {
      const claimant = { host: m[1] as string, pid: Number(m[2]), startedAt: Number(m[3]) }
      if (live(claimant, join(dir, name))) others.push({ pid: claimant.pid, held: names.has(name + HELD) })
      else await Promise.all([rm(join(dir, name + HELD), { force: true }), rm(join(dir, name), { force: true })])
    } else if (name.endsWith(HELD) && !names.has(name.slice(0, -HELD.length)) && CLAIM.test(name.slice(0, -HELD.length))) {
      await rm(join(dir, name), { force: true }) // a mark whose claim was released or removed
    }
  }
  if (names.has(LEGACY)) {
    let legacy: Claimant | null = null
    try {
      const info = JSON.parse(await readTextCapped(join(dir, LEGACY), 64 * 1024)) as { pid?: unknown; host?: unknown; startedAt?: unknown }
      if (typeof info.host === 'string' && typeof info.pid === 'number' && typeof info.startedAt === 'number')
        legacy = { host: hostTag(info.host), pid: info.pid, startedAt: info.startedAt }
    } catch {
      legacy = null // unreadable: an older version's half-written or damaged lock, nobody's
    }
    if (legacy && live(legacy, join(dir, LEGACY))) others.push({ pid: legacy.pid, held: true })
    else await rm(join(dir, LEGACY), { force: true })
  }
  return others
}

/** Takes the lock on `dir`; resolves to its release. */
export async function lockDir(dir: string): Promise<() => Promise<void>> {
  const name = `lock.${hostTag(hostname())}.${process.pid}.${Date.now()}.${randomBytes(4).toString('hex')}`
  const claim = join(dir, name)
  for (let attempt = 1; ; attempt++) {
    publishedHere.add(claim)
    const withdraw = async (): Promise<void> => {
      await rm(claim + HELD, { force: true })
      await rm(claim, { force: true })
      publishedHere.delete(claim)
    }
    try {
      await writeFile(claim, `${JSON.stringify({ pid: process.pid, host: hostname() })}\n`, { flag: 'wx', mode: 0o600 })
      const others = await otherClaims(dir, name)
      if (others.length === 0) {
        await writeFile(claim + HELD, '', { flag: 'wx', mode: 0o600 })
        let released = false
        return async () => {
          if (released) return
          released = true
          await withdraw()
        }
      }
      await withdraw()
      const holder = others.find((o) => o.held)
      if (holder) throw new StoreLockedError(`${dir} is in use by process ${holder.pid}; stop it or use another --state-dir`)
      if (attempt >= ATTEMPTS) throw new StoreLockedError(`${dir} is being opened by process ${others[0]?.pid} at the same time; try again`)
    } catch (err) {
      if (publishedHere.has(claim)) await withdraw()
      throw err
    }
    await sleep(Math.random() * (4 << Math.min(attempt, 6)))
  }
}
