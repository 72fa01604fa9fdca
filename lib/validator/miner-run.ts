/**
 * One miner's commitment, as a round handles it before any training: its run (the key
 * its results are stored under, the facts learnt so far), the pre-checks — download
 * (pinned, capped), validity, the commitment's proof, a copy of an earlier scored
 * dataset — and how its outcome is recorded. These run on the validator whichever
 * Evaluator trains (dispatch.ts), so a copier costs no training time. Every outcome is
 * recorded with its reason; nothing a miner supplies can make this throw.
 */
import type { Logger } from 'pino'

import { verifyCommitmentProof, type DatasetCommitment } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import { DatasetError, validateDataset } from '../dataset/index.js'
import { FlockError } from '../errors.js'
import { fetchDataset, HubError, type CachedFile, type DatasetLocation, type HubCache } from '../hub/index.js'
import { classifyFailure, MAX_ATTEMPTS } from '../evaluator/failure.js'
import { DEFAULT_EVAL_TIMEOUT_MS } from '../evaluator/run-job.js'
import type { FlockMetrics } from '../metrics/flock-metrics.js'
import type { Candidate } from './candidates.js'
import { resultKey } from './context.js'
import type { QueueItem } from './round-order.js'
import type { EvalStatus, MinerResult, ResultStore } from './store/index.js'

export class StopRequested extends Error {
  constructor() {
    super('the validator is stopping')
    this.name = 'StopRequested'
  }
}

export interface EvaluatorDeps {
  cache: HubCache
  config: CompetitionConfig
  context: string
  store: ResultStore
  logger: Logger
  /** Time budget of the pre-checks of one miner (download and validation); each training attempt has its own. */
  evalTimeoutMs: number
  /** Attempts after which a retryable pre-check failure (timeout, hub unavailable) becomes final. */
  maxAttempts: number
  metrics?: FlockMetrics
}

/** The deps of one context's pre-checks, with the evaluator's defaults for what the options leave out. */
export function evaluatorDeps(
  o: Pick<EvaluatorDeps, 'cache' | 'config' | 'store' | 'logger' | 'metrics'> & { evalTimeoutMs?: number | undefined; maxAttempts?: number | undefined },
  context: string,
): EvaluatorDeps {
  return {
    cache: o.cache, config: o.config, context, store: o.store, logger: o.logger,
    evalTimeoutMs: o.evalTimeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS, maxAttempts: o.maxAttempts ?? MAX_ATTEMPTS,
    ...(o.metrics ? { metrics: o.metrics } : {}),
  }
}

/** An earlier commitment with a scored result for this content, if any. */
export type OriginalOf = (contentHash: string, c: Candidate) => Candidate | null

const MAX_REASON = 600
const MAX_DEATHS = 2

/** One line, bounded: reasons quote untrusted text and end up in logs and tables. */
export function describeError(err: unknown): string {
  const text = err instanceof FlockError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err)
  const line = text.replace(/\s*\n\s*/g, '; ')
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line
}

/** One miner's evaluation attempt: its key, the facts learnt so far, and how its outcome is recorded. */
export interface MinerRun {
  readonly key: string
  readonly item: QueueItem
  readonly commitment: DatasetCommitment
  readonly log: Logger
  readonly facts: Partial<MinerResult>
  /** Records the outcome; `attempts` defaults to one more than the previous result's, `seconds` to the time since the run began. */
  record(status: EvalStatus, reason: string, final?: boolean, over?: { attempts?: number; seconds?: number }): Promise<MinerResult>
}

export function startMinerRun(deps: EvaluatorDeps, item: QueueItem): MinerRun {
  const c = item.candidate
  if (!c.commitment) throw new Error(`uid ${c.uid} has no parsed commitment to evaluate`)
  const commitment = c.commitment
  const key = resultKey(deps.context, c.id)
  const started = performance.now()
  const log = deps.logger.child({ uid: c.uid, hotkey: c.hotkey, repo: commitment.repo, revision: commitment.revision })
  const facts: Partial<MinerResult> = {}
  return {
    key, item, commitment, log, facts,
    async record(status, reason, final = true, over = {}) {
      const attempts = over.attempts ?? (item.previous?.attempts ?? 0) + 1
      const result: MinerResult = {
        key, context: deps.context, hotkey: c.hotkey, uid: c.uid, commitBlock: c.commitBlock, commitment: c.text,
        status, reason, final: final || attempts >= deps.maxAttempts, attempts,
        loss: null, contentHash: null, fileSha256: null, proofValid: null, duplicateOf: null,
        ...facts,
        seconds: over.seconds ?? (performance.now() - started) / 1000, at: new Date().toISOString(),
      }
      await deps.store.recordResult(result)
      log.info({ status, reason: status === 'scored' ? undefined : reason, loss: result.loss, final: result.final }, 'miner evaluated')
      return result
    },
  }
}

/** Where the trainings of a commitment are counted: one start per evaluation handed to an in-process evaluator. */
export const trainingKey = (key: string): string => `${key}#training`

/**
 * Trainings that ended in neither a result nor a clean stop: the process died during them
 * (a native crash, the OOM killer, kill -9). Every training that ends in a result ends its
 * commitment's queueing, so each such start is a death; a dataset that keeps doing that
 * is given up on.
 */
export function crashedTooOften(deps: EvaluatorDeps, run: MinerRun): Promise<MinerResult> | null {
  const key = trainingKey(run.key)
  const died = deps.store.starts(key) - deps.store.abandoned(key)
  return died >= MAX_DEATHS ? run.record('training-failed', `the validator died during ${died} evaluations of this dataset (crash or kill); not trying again`) : null
}

export type PrecheckOutcome = { kind: 'decided'; result: MinerResult } | { kind: 'aborted' } | { kind: 'ready'; file: CachedFile; contentHash: string }

/** What a competition checks of a dataset before training it, after it is downloaded and valid. */
export interface DatasetChecks {
  /** Where to download from; default: the commitment's repo at its sha. A failure here is classified like a download's. */
  locate?(signal: AbortSignal): Promise<DatasetLocation>
  /** Records and returns the miner's result when the dataset may not be trained; null when it may. Throws when the store fails, or when `signal` ended it (decided then by the failure policy). */
  check(file: CachedFile, contentHash: string, signal: AbortSignal): Promise<MinerResult | null>
}

/**
 * Everything before training: download (pinned, capped), the dataset's validity and
 * content hash, then the competition's own checks. Decides the miner (recorded) when one
 * fails, by the one failure policy (lib/evaluator/failure.ts); 'aborted' when `signal` (the
 * validator's stop) aborted it.
 */
export async function precheckDataset(deps: EvaluatorDeps, run: MinerRun, signal: AbortSignal, checks: DatasetChecks): Promise<PrecheckOutcome> {
  const timeout = AbortSignal.timeout(deps.evalTimeoutMs)
  const runSignal = AbortSignal.any([signal, timeout])
  const { facts, commitment } = run
  const failed = async (err: unknown): Promise<PrecheckOutcome> => {
    if (signal.aborted) return { kind: 'aborted' }
    if (err instanceof HubError) deps.metrics?.recordHubError(err)
    const verdict = classifyFailure(err, timeout.aborted ? { budgetMs: deps.evalTimeoutMs } : undefined)
    return { kind: 'decided', result: await run.record(verdict.code, verdict.reason, !verdict.retry) }
  }
  let file: CachedFile
  let contentHash: string
  try {
    const location = checks.locate ? await checks.locate(runSignal) : commitment
    file = await fetchDataset(deps.cache, location, deps.config.dataset.maxBytes, runSignal)
    facts.fileSha256 = file.sha256
    const v = await validateDataset({ path: file.file }, { limits: deps.config.dataset, signal: runSignal })
    if (!v.ok || v.hash === null) throw new DatasetError(v.issues, v.issuesTruncated)
    contentHash = v.hash
  } catch (err) {
    return failed(err)
  }
  facts.contentHash = contentHash
  let result: MinerResult | null
  try {
    result = await checks.check(file, contentHash, runSignal)
  } catch (err) {
    // a stop or the time budget ending a check is decided by the failure policy, like the download's
    if (runSignal.aborted) return failed(err)
    throw err
  }
  return result ? { kind: 'decided', result } : { kind: 'ready', file, contentHash }
}

/** The default rules' pre-checks: the commitment's proof of this content, and whether it copies an earlier scored dataset. */
export function precheckMiner(deps: EvaluatorDeps, run: MinerRun, opts: { original: OriginalOf; signal: AbortSignal }): Promise<PrecheckOutcome> {
  const c = run.item.candidate
  return precheckDataset(deps, run, opts.signal, {
    async check(_file, contentHash) {
      const proof = verifyCommitmentProof(run.commitment, contentHash, c.hotkey)
      run.facts.proofValid = proof.ok
      if (!proof.ok) return run.record('copied-commitment', proof.reason)
      const original = opts.original(contentHash, c)
      return original ? recordDuplicate(run, original) : null
    },
  })
}

/** Records the run's dataset as a copy of `original`'s, committed earlier and scored: not evaluated. */
export function recordDuplicate(run: MinerRun, original: Candidate): Promise<MinerResult> {
  run.facts.duplicateOf = { hotkey: original.hotkey, commitBlock: original.commitBlock }
  return run.record('duplicate', `same dataset content as uid ${original.uid} (${original.hotkey.slice(0, 8)}…) committed earlier, at block ${original.commitBlock}; not evaluated`)
}

/** Records that the validator was stopped during these evaluations, so a restart runs them again and counts no crash. */
export async function abandon(deps: EvaluatorDeps, keys: Iterable<string>): Promise<void> {
  for (const key of keys) await deps.store.recordAbandoned(key, 'the validator was stopped during this evaluation')
}
