/**
 * Flags shared by `flock-validator` and `flock-validator worker` for distributed evaluation:
 * the Redis queue, the devices evaluations run on, and the Prometheus endpoint.
 */
import type { Argv } from 'yargs'

import { parseDevices } from '../evaluator/resources.js'

export interface EvaluatorArgs {
  redis?: { url?: string }
  devices?: string
  metrics?: { port?: number; host?: string }
  queue: { prefix: string }
}

export function withEvaluatorFlags<T>(y: Argv<T>, devices: { default?: string; describe: string }): Argv<T & EvaluatorArgs> {
  return y
    .option('redis.url', { type: 'string', describe: 'Redis holding the evaluation queue (BullMQ), e.g. redis://127.0.0.1:6379; password in the URL, never logged' })
    .option('devices', { type: 'string', ...(devices.default !== undefined ? { default: devices.default } : {}), describe: devices.describe })
    .option('metrics.port', { type: 'number', describe: 'serve Prometheus metrics on GET /metrics at this port (0 = any free port)' })
    .option('metrics.host', { type: 'string', default: '127.0.0.1', describe: 'address the metrics server listens on' })
    .option('queue.prefix', { type: 'string', default: 'flock', describe: 'Redis key prefix of the queue: the same for the validator and its workers' })
    .option('redis', { hidden: true })
    .option('metrics', { hidden: true })
    .option('queue', { hidden: true })
    .check((a) => {
      const q = a as unknown as EvaluatorArgs
      if (q.redis?.url !== undefined && q.redis.url.length === 0) throw new Error('--redis.url is empty')
      if (q.devices !== undefined) parseDevices(q.devices)
      const port = q.metrics?.port
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new Error(`--metrics.port must be an integer in [0, 65535], got ${port}`)
      return true
    }) as unknown as Argv<T & EvaluatorArgs>
}
