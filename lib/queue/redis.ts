/** Redis connections for BullMQ and the round store, and a loggable form of a Redis URL. */
import { Redis } from 'ioredis'

import { InvalidArgumentError } from '../errors.js'

/** The URL without its password, for logs and messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparseable redis url)'
  }
}

/**
 * An ioredis client. BullMQ's ESM build cannot load ioredis itself, so every queue and
 * worker is given a client; `maxRetriesPerRequest: null` is what BullMQ requires of the
 * connections its workers block on.
 */
export function connectRedis(url: string): Redis {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new InvalidArgumentError(`redis url: not a URL: ${redactRedisUrl(url)}`)
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new InvalidArgumentError(`redis url: expected redis:// or rediss://, got ${u.protocol}`)
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true })
}
