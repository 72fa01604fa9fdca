/** Redis connections for BullMQ and the round store, and a loggable form of a Redis URL. */
import { Redis } from 'ioredis'

import { InvalidArgumentError } from '../errors.js'

/** The URL without its password, for logs and messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    // ioredis also reads options (password among them) from the query string
    for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '***')
    return u.toString()
  } catch {
    return '(unparseable redis url)'
  }
}

/**
 * An ioredis client. BullMQ's ESM build cannot load ioredis itself, so every queue and
 * worker is given a client. `blocking` (a worker's): `maxRetriesPerRequest: null`, as BullMQ
 * requires of the connections its workers block on, so a command waits out an outage.
 * Otherwise (the coordinator's): a command fails after a few reconnection attempts, so a
 * Redis outage fails the calls and the validator goes on without the queue.
 */
export function connectRedis(url: string, options: { blocking: boolean } = { blocking: true }): Redis {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new InvalidArgumentError(`redis url: not a URL: ${redactRedisUrl(url)}`)
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new InvalidArgumentError(`redis url: expected redis:// or rediss://, got ${u.protocol}`)
  return new Redis(url, { maxRetriesPerRequest: options.blocking ? null : 3, enableReadyCheck: true })
}
