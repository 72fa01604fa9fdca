/**
 * A round through an Evaluator: the BullMQ queue (workers on any machine) or the
 * in-process evaluator over several devices. The pre-checks (download, proof, validity,
 * copies) run here, a few at a time, so a copier costs no GPU time; each dataset that
 * passes becomes a job seeded by its commitment's block hash, and results are recorded as
 * they land. The round id is the evaluation context, not the epoch: jobs still running
 * when the epoch ends stay with the evaluator, and the next round picks up their results.
 */
import { CancelledError } from '../errors.js'
import { jobIdFor } from '../queue/job.js'
import type { EvaluationJob, EvaluationResult, Evaluator } from '../queue/types.js'
import { seedFromBlockHash } from './context.js'
import {
  abandon,
  crashedTooOften,
  describeError,
  precheckMiner,
  recordDuplicate,
  startMinerRun,
  StopRequested,
  type EvaluateMinerOptions,
  type EvaluatorDeps,
  type MinerRun,
} from './evaluate-miner.js'
import type { QueueItem } from './queue.js'
import type { Reporter } from './reporter.js'
import type { EvalStatus, MinerResult } from './store/index.js'

export interface EvaluatorTarget {
  evaluator: Evaluator
  /** competitionConfigId() of the validator's config: the queue its jobs go to. */
  configId: string
  /** The evaluator trains in this process: evaluations a crash cut short are counted per dataset. */
  inProcess: boolean
}

export interface DispatchInput {
  deps: EvaluatorDeps
  target: EvaluatorTarget
  roundId: string
  queue: readonly QueueItem[]
  original: EvaluateMinerOptions['original']
  blockHash(block: number): Promise<string>
  /** The validator's stop. */
  signal: AbortSignal
  /** Aborts when the epoch is about to end: pre-checks stop, waiting stops, the jobs stay queued. */
  deadline?: AbortSignal
  reporter: Reporter
  /** Keys of evaluations started in this process without a result yet (kept across rounds). */
  inFlight: Set<string>
}

const PRECHECKS_AT_ONCE = 4

interface Ready {
  run: MinerRun
  contentHash: string
  precheckSeconds: number
  job: EvaluationJob
}

function sameOrder(a: QueueItem, b: QueueItem): number {
  return a.candidate.commitBlock - b.candidate.commitBlock || a.candidate.uid - b.candidate.uid
}

export async function dispatchRound(i: DispatchInput): Promise<{ evaluated: MinerResult[]; deferred: number }> {
  const { deps, target, signal, reporter } = i
  const evaluated: MinerResult[] = []
  const decided = (r: MinerResult) => {
    evaluated.push(r)
    reporter.minerResult(r)
  }
  const stop = async (): Promise<never> => {
    await abandon(deps, i.inFlight)
    i.inFlight.clear()
    throw new StopRequested()
  }

  // pre-checks, a few at a time, in queue order
  const ready: Ready[] = []
  let next = 0
  let stopped = false
  const prechecker = async () => {
    while (next < i.queue.length && !stopped) {
      if (signal.aborted || i.deadline?.aborted) return
      const item = i.queue[next++]!
      const run = startMinerRun(deps, item)
      if (target.inProcess) {
        const gaveUp = crashedTooOften(deps, run)
        if (gaveUp) {
          decided(await gaveUp)
          continue
        }
      }
      const started = performance.now()
      const timeout = AbortSignal.timeout(deps.evalTimeoutMs)
      const pre = await precheckMiner(deps, run, { original: i.original, signal, runSignal: AbortSignal.any([signal, timeout]), timeout })
      if (pre.kind === 'aborted') return void (stopped = true)
      if (pre.kind === 'decided') {
        decided(pre.result)
        continue
      }
      const c = item.candidate
      const commitBlockHash = await i.blockHash(c.commitBlock)
      ready.push({
        run, contentHash: pre.contentHash, precheckSeconds: (performance.now() - started) / 1000,
        job: {
          hotkey: c.hotkey, uid: c.uid, repo: run.commitment.repo, sha: run.commitment.revision, path: pre.file.path,
          configId: target.configId, seed: seedFromBlockHash(commitBlockHash, 'evaluate'),
        },
      })
    }
  }
  await Promise.all(Array.from({ length: PRECHECKS_AT_ONCE }, prechecker))
  if (signal.aborted || stopped) return stop()
  let deferred = i.queue.length - Math.min(next, i.queue.length)

  // Two queued commitments with the same content: the earlier is evaluated, the later waits
  // for its result (a duplicate of it next round, or evaluated itself if it is not scored).
  const byContent = new Map<string, Ready>()
  const copies: Ready[] = []
  for (const r of [...ready].sort((a, b) => sameOrder(a.run.item, b.run.item))) {
    if (byContent.has(r.contentHash)) copies.push(r)
    else byContent.set(r.contentHash, r)
  }
  const jobs = [...byContent.values()]
  const decideCopies = async () => {
    for (const r of copies) {
      const original = i.original(r.contentHash, r.run.item.candidate)
      if (original) decided(await recordDuplicate(r.run, original))
      else deferred++ // its original is not scored (yet): evaluated on its own next round
    }
  }
  if (jobs.length === 0) {
    await decideCopies()
    return { evaluated, deferred }
  }

  const keyOf = new Map<string, Ready>()
  for (const r of jobs) keyOf.set(jobIdFor(i.roundId, r.job), r)
  const waiting = new Set(keyOf.keys())
  const wait = i.deadline ? AbortSignal.any([signal, i.deadline]) : signal
  deps.logger.info({ roundId: i.roundId, jobs: jobs.length }, 'evaluations handed to the evaluator')
  try {
    const results = target.evaluator.runRound(
      { id: i.roundId, jobs: jobs.map((r) => r.job) },
      {
        signal: wait,
        onAttemptStart: async (jobId) => {
          const r = keyOf.get(jobId)
          if (!r) return
          await deps.store.recordStart(r.run.key)
          i.inFlight.add(r.run.key)
        },
      },
    )
    for await (const result of results) {
      const r = keyOf.get(result.jobId)
      if (!r || !waiting.delete(result.jobId)) continue
      decided(await recordEvaluation(r, result))
      i.inFlight.delete(r.run.key)
    }
  } catch (err) {
    if (signal.aborted) return stop()
    if (!(err instanceof CancelledError && i.deadline?.aborted))
      deps.logger.warn({ err: describeError(err), waiting: waiting.size }, 'the evaluator failed; the rest waits for the next round')
    deferred += waiting.size
  }
  await decideCopies()
  return { evaluated, deferred }
}

async function recordEvaluation(r: Ready, result: EvaluationResult): Promise<MinerResult> {
  const prior = r.run.item.previous?.attempts ?? 0
  const over = { attempts: prior + Math.max(1, result.attempts), seconds: r.precheckSeconds + result.seconds }
  if (result.datasetHash !== undefined && result.datasetHash !== r.contentHash)
    r.run.log.warn({ worker: result.worker, theirs: result.datasetHash, ours: r.contentHash }, 'the evaluator read other content for this commit than the pre-check did')
  if (result.status === 'scored' && typeof result.evalLoss === 'number' && Number.isFinite(result.evalLoss)) {
    r.run.facts.loss = result.evalLoss
    return r.run.record('scored', 'scored', true, over)
  }
  const status: EvalStatus = result.status === 'scored' ? 'training-failed' : (result.code ?? 'training-failed')
  const reason = result.status === 'scored' ? `the evaluator returned eval loss ${String(result.evalLoss)}` : (result.reason ?? 'no reason given')
  return r.run.record(status, `${reason} (on ${result.device}, ${result.worker})`, true, over)
}
