/**
 * One miner, start to finish: download (pinned, capped), check the proof, validate the
 * dataset, skip a copy of an earlier scored dataset, train and evaluate within the time
 * budget on the one loaded model. Every outcome is recorded with its reason; nothing a
 * miner supplies can make this throw. Only a stop request does (StopRequested), after
 * recording that the run was abandoned, so the miner is evaluated again on restart.
 */
import type { Logger } from 'pino'

import { verifyCommitmentProof } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import { validateDataset, type DatasetIssue } from '../dataset/index.js'
import { FlockError } from '../errors.js'
import { evaluateDataset, type EvaluateProgress, type PreparedEvalSet } from '../evaluate/index.js'
import type { HubCache } from '../hub/index.js'
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
  model: BaseModel
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

export async function evaluateMiner(deps: EvaluatorDeps, item: QueueItem, opts: EvaluateMinerOptions): Promise<MinerResult> {
  const c = item.candidate
  if (!c.commitment) throw new Error(`uid ${c.uid} has no parsed commitment to evaluate`)
  const commitment = c.commitment
  const key = resultKey(deps.context, c.id)
  const attempts = (item.previous?.attempts ?? 0) + 1
  const started = performance.now()
  const { store } = deps
  const { signal } = opts
  const log = deps.logger.child({ uid: c.uid, hotkey: c.hotkey, repo: commitment.repo, revision: commitment.revision })
  const facts: Partial<MinerResult> = {}

  const record = async (status: EvalStatus, reason: string, final = true): Promise<MinerResult> => {
    const result: MinerResult = {
      key, context: deps.context, hotkey: c.hotkey, uid: c.uid, commitBlock: c.commitBlock, commitment: c.text,
      status, reason, final: final || attempts >= deps.maxAttempts, attempts,
      loss: null, contentHash: null, fileSha256: null, proofValid: null, duplicateOf: null,
      ...facts,
      seconds: (performance.now() - started) / 1000, at: new Date().toISOString(),
    }
    await store.recordResult(result)
    log.info({ status, reason: status === 'scored' ? undefined : reason, loss: result.loss, final: result.final }, 'miner evaluated')
    return result
  }
  const abandon = async (): Promise<never> => {
    await store.recordAbandoned(key, 'the validator was stopped during this evaluation')
    log.info('evaluation abandoned: stopping')
    throw new StopRequested()
  }

  // Starts that ended in neither a result nor a clean stop: the process died during them
  // (a native crash, the OOM killer, kill -9). A dataset that keeps doing that is given up on.
  const died = store.starts(key) - store.abandoned(key) - (item.previous?.attempts ?? 0)
  if (died >= MAX_DEATHS) return record('training-failed', `the validator died during ${died} evaluations of this dataset (crash or kill); not trying again`)

  await store.recordStart(key)
  const timeout = AbortSignal.timeout(deps.evalTimeoutMs)
  const runSignal = AbortSignal.any([signal, timeout])

  let file
  try {
    file = await fetchDataset(deps.cache, commitment, deps.config.dataset.maxBytes, runSignal)
  } catch (err) {
    if (signal.aborted) return abandon()
    return record('download-failed', describeError(err), isPermanentDownloadError(err))
  }
  facts.fileSha256 = file.sha256

  const proof = verifyCommitmentProof(commitment, file.sha256, c.hotkey)
  facts.proofValid = proof.ok
  if (!proof.ok) return record('copied-commitment', proof.reason)

  let contentHash: string
  try {
    const v = await validateDataset({ path: file.file }, { limits: deps.config.dataset, signal: runSignal })
    if (!v.ok || v.hash === null) return record('invalid-dataset', describeIssues(v.issues, v.issuesTruncated))
    contentHash = v.hash
  } catch (err) {
    if (signal.aborted) return abandon()
    return record(timeout.aborted ? 'timeout' : 'invalid-dataset', describeError(err), !timeout.aborted)
  }
  facts.contentHash = contentHash

  const original = opts.original(contentHash, c)
  if (original) {
    facts.duplicateOf = { hotkey: original.hotkey, commitBlock: original.commitBlock }
    return record('duplicate', `same dataset content as uid ${original.uid} (${original.hotkey.slice(0, 8)}…) committed earlier, at block ${original.commitBlock}; not evaluated`)
  }

  try {
    const r = await evaluateDataset({
      model: deps.model, tokenizer: deps.tokenizer, train: { path: file.file }, eval: deps.evalSet, config: deps.config,
      seed: seedFromBlockHash(opts.commitBlockHash, 'evaluate'), signal: runSignal,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    })
    if (!Number.isFinite(r.evalLoss)) return record('training-failed', `eval loss is ${r.evalLoss}`)
    facts.loss = r.evalLoss
    return record('scored', 'scored')
  } catch (err) {
    if (signal.aborted) return abandon()
    if (timeout.aborted) return record('timeout', `evaluation took longer than the budget of ${Math.round(deps.evalTimeoutMs / 1000)} s`, false)
    return record('training-failed', describeError(err))
  }
}
