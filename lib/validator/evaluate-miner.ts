/**
 * One miner, start to finish: download (pinned, capped), check the proof, validate the
 * dataset, skip a copy of an earlier scored dataset (the pre-checks, which also run on a
 * coordinator that hands training to an Evaluator), then train and evaluate within the
 * time budget on the one loaded model. Every outcome is recorded with its reason; nothing
 * a miner supplies can make this throw. Only a stop request does (StopRequested), after
 * recording that the run was abandoned, so the miner is evaluated again on restart.
 */
import type { Logger } from 'pino'

import { verifyCommitmentProof, type DatasetCommitment } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import { DatasetError, validateDataset, type DatasetIssue } from '../dataset/index.js'
import { FlockError } from '../errors.js'
import { evaluateDataset, type EvaluateProgress, type PreparedEvalSet } from '../evaluate/index.js'
import { HubError, type CachedFile, type HubCache } from '../hub/index.js'
import type { FlockMetrics } from '../queue/metrics.js'
import type { BaseModel } from '../model.js'
import type { ChatTokenizer } from '../tokenize/index.js'
import type { Candidate } from './candidates.js'
import { resultKey, seedFromBlockHash } from './context.js'
import { fetchDataset, isPermanentDownloadError } from './fetch-dataset.js'
import type { QueueItem } from './queue.js'
import type { EvalStatus, MinerResult, ResultStore } from './store/index.js'

export class StopRequested extends Error {
  constructor() {
    super('the validator is stopping')
    this.name = 'StopRequested'
  }
}

export interface EvaluatorDeps {
  cache: HubCache
  /** The loaded model, when evaluations run here one at a time (absent when an Evaluator runs them). */
  model?: BaseModel
  tokenizer: ChatTokenizer
  evalSet: PreparedEvalSet
  config: CompetitionConfig
  context: string
  store: ResultStore
  logger: Logger
  /** Time budget of one evaluation (download to eval loss). */
  evalTimeoutMs: number
  /** Attempts after which a retryable failure (timeout, hub unavailable) becomes final. */
  maxAttempts: number
  metrics?: FlockMetrics
}

export interface EvaluateMinerOptions {
  /** Hash of the block the commitment was included in: seeds the evaluation. */
  commitBlockHash: string
  /** An earlier commitment with a scored result for this content, if any. */
  original(contentHash: string, c: Candidate): Candidate | null
  signal: AbortSignal
  onProgress?: (p: EvaluateProgress) => void
}

const MAX_REASON = 600
const MAX_DEATHS = 2

/** One line, bounded: reasons quote untrusted text and end up in logs and tables. */
export function describeError(err: unknown): string {
  const text = err instanceof FlockError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err)
  const line = text.replace(/\s*\n\s*/g, '; ')
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line
}

function describeIssues(issues: readonly DatasetIssue[], truncated: boolean): string {
  const shown = issues.slice(0, 3).map((i) => i.message).join('; ')
  return describeError(`${issues.length}${truncated ? '+' : ''} problem(s): ${shown}${issues.length > 3 ? '; …' : ''}`)
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

/**
 * Starts that ended in neither a result nor a clean stop: the process died during them
 * (a native crash, the OOM killer, kill -9). A dataset that keeps doing that is given up on.
 */
export function crashedTooOften(deps: EvaluatorDeps, run: MinerRun, counted: { key: string; finished: number } = { key: run.key, finished: run.item.previous?.attempts ?? 0 }): Promise<MinerResult> | null {
  const died = deps.store.starts(counted.key) - deps.store.abandoned(counted.key) - counted.finished
  return died >= MAX_DEATHS ? run.record('training-failed', `the validator died during ${died} evaluations of this dataset (crash or kill); not trying again`) : null
}

export type PrecheckOutcome = { kind: 'decided'; result: MinerResult } | { kind: 'aborted' } | { kind: 'ready'; file: CachedFile; contentHash: string }

/**
 * Everything before training: download (pinned, capped), the commitment's proof, the
 * dataset's validity, and whether it copies an earlier scored dataset. Decides the miner
 * (recorded) when one fails; 'aborted' when `signal` (the validator's stop) aborted it.
 */
export async function precheckMiner(deps: EvaluatorDeps, run: MinerRun, opts: Pick<EvaluateMinerOptions, 'original' | 'signal'> & { runSignal: AbortSignal; timeout: AbortSignal }): Promise<PrecheckOutcome> {
  const { signal, runSignal, timeout } = opts
  const { facts, commitment } = run
  const c = run.item.candidate
  const decided = async (status: EvalStatus, reason: string, final?: boolean): Promise<PrecheckOutcome> => ({ kind: 'decided', result: await run.record(status, reason, final) })

  let file: CachedFile
  try {
    file = await fetchDataset(deps.cache, commitment, deps.config.dataset.maxBytes, runSignal)
  } catch (err) {
    if (signal.aborted) return { kind: 'aborted' }
    if (err instanceof HubError) deps.metrics?.recordHubError(err)
    return decided('download-failed', describeError(err), isPermanentDownloadError(err))
  }
  facts.fileSha256 = file.sha256

  const proof = verifyCommitmentProof(commitment, file.sha256, c.hotkey)
  facts.proofValid = proof.ok
  if (!proof.ok) return decided('copied-commitment', proof.reason)

  let contentHash: string
  try {
    const v = await validateDataset({ path: file.file }, { limits: deps.config.dataset, signal: runSignal })
    if (!v.ok || v.hash === null) return decided('invalid-dataset', describeIssues(v.issues, v.issuesTruncated))
    contentHash = v.hash
  } catch (err) {
    if (signal.aborted) return { kind: 'aborted' }
    return decided(timeout.aborted ? 'timeout' : 'invalid-dataset', describeError(err), !timeout.aborted)
  }
  facts.contentHash = contentHash

  const original = opts.original(contentHash, c)
  if (original) return { kind: 'decided', result: await recordDuplicate(run, original) }
  return { kind: 'ready', file, contentHash }
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

/** One miner start to finish in this process, on the one loaded model. */
export async function evaluateMiner(deps: EvaluatorDeps, item: QueueItem, opts: EvaluateMinerOptions): Promise<MinerResult> {
  if (!deps.model) throw new Error('evaluateMiner needs the loaded model (the validator evaluates through an evaluator)')
  const run = startMinerRun(deps, item)
  const { signal } = opts
  const stop = async (): Promise<never> => {
    await abandon(deps, [run.key])
    run.log.info('evaluation abandoned: stopping')
    throw new StopRequested()
  }
  const gaveUp = crashedTooOften(deps, run)
  if (gaveUp) return gaveUp

  await deps.store.recordStart(run.key)
  const timeout = AbortSignal.timeout(deps.evalTimeoutMs)
  const runSignal = AbortSignal.any([signal, timeout])
  const pre = await precheckMiner(deps, run, { ...opts, runSignal, timeout })
  if (pre.kind === 'aborted') return stop()
  if (pre.kind === 'decided') return pre.result

  try {
    const r = await evaluateDataset({
      model: deps.model, tokenizer: deps.tokenizer, train: { path: pre.file.file }, eval: deps.evalSet, config: deps.config,
      seed: seedFromBlockHash(opts.commitBlockHash, 'evaluate'), signal: runSignal,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    })
    if (!Number.isFinite(r.evalLoss)) return run.record('training-failed', `eval loss is ${r.evalLoss}`)
    run.facts.loss = r.evalLoss
    return run.record('scored', 'scored')
  } catch (err) {
    if (signal.aborted) return stop()
    if (timeout.aborted) return run.record('timeout', `evaluation took longer than the budget of ${Math.round(deps.evalTimeoutMs / 1000)} s`, false)
    // sampled rows the chat template or tokenizer cannot handle, each with its line
    if (err instanceof DatasetError) return run.record('invalid-dataset', describeIssues(err.issues, err.issuesTruncated))
    return run.record('training-failed', describeError(err))
  }
}
