/**
 * A round through an Evaluator — the one way a validator evaluates: the in-process
 * evaluator (one slot per device: one device is one slot) or the BullMQ queue (workers on
 * any machine). The pre-checks (download, proof, validity,
 * copies) run here, a few at a time, so a copier costs no GPU time; each dataset that
 * passes becomes a job seeded by its commitment's block hash, and results are recorded as
 * they land. The round id is the evaluation context, not the epoch: jobs still running
 * when the epoch ends stay with the evaluator, and the next round picks up their results.
 */
import { CancelledError } from '../errors.js'
import { evaluationSeed } from '../evaluate/index.js'
import { jobIdFor } from '../evaluator/job.js'
import type { EvaluationJob, EvaluationResult, Evaluator } from '../evaluator/types.js'
import {
  abandon,
  crashedTooOften,
  describeError,
  precheckMiner,
  recordDuplicate,
  startMinerRun,
  StopRequested,
  trainingKey,
  type EvaluatorDeps,
  type MinerRun,
  type OriginalOf,
  type PrecheckOutcome,
} from './miner-run.js'
import type { QueueItem } from './round-order.js'
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
  original: OriginalOf
  blockHash(block: number): Promise<string>
  /** The validator's stop. */
  signal: AbortSignal
  /** Aborts when the epoch is about to end: pre-checks stop, waiting stops, the jobs stay queued. */
  deadline?: AbortSignal
  reporter: Reporter
  /** Evaluations started in this process without a result yet; kept by the Validator across rounds. */
  inFlight: InFlight
}

/** In-process evaluations under way, by result key; `stopping` refuses new starts once a stop is recorded. */
export interface InFlight {
  keys: Set<string>
  stopping: boolean
}

const PRECHECKS_AT_ONCE = 4

/** A miner that passed its pre-checks, with the job that evaluates it. */
export interface ReadyJob {
  run: MinerRun
  contentHash: string
  precheckSeconds: number
  job: EvaluationJob
}

function sameOrder(a: QueueItem, b: QueueItem): number {
  return a.candidate.commitBlock - b.candidate.commitBlock || a.candidate.uid - b.candidate.uid
}

/** One round through the evaluator: what was decided (in order), and how to stop it cleanly. */
export class RoundRun {
  readonly evaluated: MinerResult[] = []
  constructor(readonly i: Omit<DispatchInput, 'queue' | 'original'>) {
    i.inFlight.stopping = false // a new round after a stop (the same Validator, run again)
  }

  /** The validator's stop, or the epoch's end: both stop pre-checks and waiting. */
  get wait(): AbortSignal {
    return this.i.deadline ? AbortSignal.any([this.i.signal, this.i.deadline]) : this.i.signal
  }

  decided(r: MinerResult): void {
    this.evaluated.push(r)
    this.i.reporter.minerResult(r)
  }

  async stop(): Promise<never> {
    const { deps, inFlight } = this.i
    inFlight.stopping = true
    await abandon(deps, [...inFlight.keys].map(trainingKey))
    inFlight.keys.clear()
    throw new StopRequested()
  }
}

/**
 * Runs `precheck` over the queue, a few at a time, in queue order: miners it decides are
 * recorded, the rest come back ready with their jobs (seeded by their commitment's block
 * hash). `deferred`: those the deadline left unchecked (queued again next round).
 */
export async function precheckQueue(
  round: RoundRun,
  queue: readonly QueueItem[],
  precheck: (run: MinerRun, signal: AbortSignal) => Promise<PrecheckOutcome>,
): Promise<{ ready: ReadyJob[]; deferred: number }> {
  const { deps, target, signal, inFlight } = round.i
  const wait = round.wait
  const ready: ReadyJob[] = []
  let next = 0
  let cutShort = 0
  let failure: unknown
  const prechecker = async () => {
    while (next < queue.length && !wait.aborted && failure === undefined) {
      const item = queue[next++]!
      try {
        const run = startMinerRun(deps, item)
        // Trainings are counted under their own key (pre-checks here record no start); every one
        // that ended in a result ended its commitment's queueing, so a start without a result or
        // a clean stop is a crash. One still under way here (from an earlier round) is none.
        const gaveUp = target.inProcess && !inFlight.keys.has(run.key) ? crashedTooOften(deps, run) : null
        if (gaveUp) {
          round.decided(await gaveUp)
          continue
        }
        const started = performance.now()
        const pre = await precheck(run, wait)
        if (pre.kind === 'aborted') {
          cutShort++ // nothing recorded: queued again next round
          continue
        }
        if (pre.kind === 'decided') {
          round.decided(pre.result)
          continue
        }
        const c = item.candidate
        const commitBlockHash = await round.i.blockHash(c.commitBlock)
        ready.push({
          run, contentHash: pre.contentHash, precheckSeconds: (performance.now() - started) / 1000,
          job: {
            hotkey: c.hotkey, uid: c.uid, repo: run.commitment.repo, sha: pre.file.sha, path: pre.file.path,
            configId: target.configId, seed: evaluationSeed(commitBlockHash),
          },
        })
      } catch (err) {
        failure ??= err // the chain or the store failed, not the miner: the round fails and is retried
      }
    }
  }
  await Promise.all(Array.from({ length: PRECHECKS_AT_ONCE }, prechecker))
  if (signal.aborted) return round.stop()
  if (failure !== undefined) throw failure
  return { ready, deferred: cutShort + queue.length - Math.min(next, queue.length) }
}

/** The default rules' round: pre-checks (proof, copies of scored content), then the evaluator. */
export async function dispatchRound(i: DispatchInput): Promise<{ evaluated: MinerResult[]; deferred: number }> {
  const round = new RoundRun(i)
  const pre = await precheckQueue(round, i.queue, (run, signal) => precheckMiner(i.deps, run, { original: i.original, signal }))
  let deferred = pre.deferred

  // Two queued commitments with the same content: the earlier is evaluated, the later waits
  // for its result (a duplicate of it, or evaluated on its own next round if it is not scored).
  const byContent = new Map<string, ReadyJob>()
  const copies: ReadyJob[] = []
  for (const r of [...pre.ready].sort((a, b) => sameOrder(a.run.item, b.run.item))) {
    if (byContent.has(r.contentHash)) copies.push(r)
    else byContent.set(r.contentHash, r)
  }
  deferred += await runJobs(round, [...byContent.values()])
  for (const r of copies) {
    const original = i.original(r.contentHash, r.run.item.candidate)
    if (original) round.decided(await recordDuplicate(r.run, original))
    else deferred++
  }
  return { evaluated: round.evaluated, deferred }
}

/**
 * Hands the jobs to the evaluator and records each result as it lands; returns how many it
 * left waiting (the deadline came, or the evaluator failed: they are queued again next round).
 */
export async function runJobs(round: RoundRun, jobs: readonly ReadyJob[]): Promise<number> {
  const { deps, target, signal, reporter, inFlight, roundId } = round.i
  const wait = round.wait
  if (jobs.length === 0) return 0
  const byJobId = new Map<string, ReadyJob>()
  for (const r of jobs) byJobId.set(jobIdFor(roundId, r.job), r)
  const waiting = new Set(byJobId.keys())
  deps.logger.info({ roundId, jobs: jobs.length }, 'evaluations handed to the evaluator')
  try {
    const results = target.evaluator.runRound(
      { id: roundId, jobs: jobs.map((r) => r.job) },
      {
        signal: wait,
        cancel: signal,
        onAttemptStart: async (jobId) => {
          const r = byJobId.get(jobId)
          if (!r) return
          if (inFlight.stopping) throw new CancelledError('E_CANCELLED', 'the validator is stopping')
          if (inFlight.keys.has(r.run.key)) return // a retry: one start per evaluation
          inFlight.keys.add(r.run.key)
          await deps.store.recordStart(trainingKey(r.run.key))
          const c = r.run.item.candidate
          reporter.minerStart({ uid: c.uid, hotkey: c.hotkey, index: jobs.indexOf(r), total: jobs.length, tier: r.run.item.tier })
        },
        onProgress: (jobId, p) => {
          const uid = byJobId.get(jobId)?.run.item.candidate.uid
          if (uid !== undefined) reporter.minerProgress({ uid, phase: p.phase, ...(p.step !== undefined ? { step: p.step, totalSteps: p.totalSteps } : {}) })
        },
      },
    )
    // stops waiting at once on abort, even while the evaluator is stuck (e.g. on Redis)
    const aborted = new Promise<null>((resolve) => (wait.aborted ? resolve(null) : wait.addEventListener('abort', () => resolve(null), { once: true })))
    for (;;) {
      const next = results.next()
      const step = await Promise.race([next, aborted])
      if (step === null) next.catch(() => undefined) // left to settle on its own
      if (step === null || step.done) break
      const r = byJobId.get(step.value.jobId)
      if (!r || !waiting.has(step.value.jobId)) continue
      round.decided(await recordEvaluation(r, step.value))
      waiting.delete(step.value.jobId)
      inFlight.keys.delete(r.run.key)
    }
  } catch (err) {
    if (signal.aborted) return round.stop()
    if (!(err instanceof CancelledError && round.i.deadline?.aborted))
      deps.logger.warn({ err: describeError(err), waiting: waiting.size }, 'the evaluator failed; the rest waits for the next round')
  }
  if (signal.aborted) return round.stop()
  return waiting.size
}

async function recordEvaluation(r: ReadyJob, result: EvaluationResult): Promise<MinerResult> {
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
