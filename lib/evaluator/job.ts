/** Job normalization, deterministic job ids, config ids, and the Redis names a round uses. */
import { createHash } from 'node:crypto'

import { type CompetitionConfig, parseCompetitionConfig } from '../config/index.js'
import { InvalidArgumentError } from '../errors.js'
import { canonicalJson } from '../util/canonical-json.js'
import type { EvaluationJob, NormalizedJob } from './types.js'

const ROUND_ID = /^[A-Za-z0-9._-]{1,128}$/
const SEED_LIMIT = 1n << 64n

export function assertRoundId(id: unknown): string {
  if (typeof id !== 'string' || !ROUND_ID.test(id))
    throw new InvalidArgumentError(`round id: expected 1 to 128 letters, digits, '.', '_' or '-', got ${JSON.stringify(id)}`)
  return id
}

/** The seed as a decimal string; refuses what evaluateDataset() would refuse (not an integer in [0, 2^64)). */
export function normalizeSeed(seed: unknown, field = 'seed'): string {
  let v: bigint
  try {
    if (typeof seed === 'bigint') v = seed
    else if (typeof seed === 'number' && Number.isSafeInteger(seed)) v = BigInt(seed)
    else if (typeof seed === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(seed)) v = BigInt(seed)
    else throw new Error('not an integer')
  } catch {
    throw new InvalidArgumentError(`${field}: expected an integer in [0, 2^64) as a bigint, number or decimal/0x-hex string, got ${String(seed)}`)
  }
  if (v < 0n || v >= SEED_LIMIT) throw new InvalidArgumentError(`${field}: must be in [0, 2^64), got ${v}`)
  return v.toString()
}

function nonEmpty(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw new InvalidArgumentError(`${field}: expected a non-empty string`)
  return v
}

/**
 * Checks the fields the validator controls. The repo, sha and path come from a miner's
 * commitment and are only checked for type here: a malformed one makes that job
 * ineligible at download time, not the whole round fail.
 */
export function normalizeJob(job: EvaluationJob, index = 0): NormalizedJob {
  const at = `jobs[${index}]`
  if (!job || typeof job !== 'object') throw new InvalidArgumentError(`${at}: expected a job object`)
  if (!Number.isInteger(job.uid) || job.uid < 0 || job.uid > 65535) throw new InvalidArgumentError(`${at}.uid: expected an integer in [0, 65535]`)
  return {
    hotkey: nonEmpty(job.hotkey, `${at}.hotkey`),
    uid: job.uid,
    repo: nonEmpty(job.repo, `${at}.repo`),
    sha: nonEmpty(job.sha, `${at}.sha`),
    path: nonEmpty(job.path, `${at}.path`),
    configId: nonEmpty(job.configId, `${at}.configId`),
    seed: normalizeSeed(job.seed, `${at}.seed`),
  }
}

/**
 * A job id names everything the result depends on (round, hotkey, uid, dataset file, config,
 * seed): submitting the same job again, or retrying it, is one job; a miner who commits the
 * same file again at another block (another seed) is another job.
 */
export function jobIdFor(roundId: string, job: Pick<EvaluationJob, 'hotkey' | 'uid' | 'repo' | 'sha' | 'path' | 'configId' | 'seed'>): string {
  const fields = [roundId, job.hotkey, job.uid, job.repo, job.sha, job.path, job.configId, normalizeSeed(job.seed)]
  const h = createHash('sha256').update(JSON.stringify(fields)).digest('hex')
  return `ev-${h.slice(0, 40)}`
}

/** Names a competition config by its content, so a worker never scores a job under another config. */
export function competitionConfigId(config: CompetitionConfig): string {
  const parsed = parseCompetitionConfig(config, 'config')
  return `cfg-${createHash('sha256').update(canonicalJson(parsed)).digest('hex').slice(0, 16)}`
}

export const DEFAULT_PREFIX = 'flock'

/** One BullMQ queue per config: workers only ever take jobs of the config they loaded. */
export function queueNameFor(configId: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(configId)) throw new InvalidArgumentError(`configId: unexpected characters in ${JSON.stringify(configId)}`)
  return `eval-${configId}`
}

/** The round's own Redis keys: its jobs and its results, each a hash keyed by job id. */
export function roundKeys(prefix: string, roundId: string): { jobs: string; results: string } {
  const base = `${prefix}:round:${assertRoundId(roundId)}`
  return { jobs: `${base}:jobs`, results: `${base}:results` }
}

/** What a BullMQ job carries. */
export interface QueuedJobData {
  roundId: string
  job: NormalizedJob
}
