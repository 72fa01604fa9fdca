/**
 * The epoch loop. Each round reads the metagraph and the commitments, records the
 * commitments that cannot be evaluated, queues the rest (seeded by the epoch's first
 * block hash), evaluates them until the queue is done or the epoch is about to end, then
 * weighs and sends weights. Evaluations run one at a time on the one loaded model, or,
 * given an Evaluator, through it (a BullMQ queue with workers anywhere, or several devices
 * here; see dispatch.ts). Pending weight reveals go out at start-up and whenever their
 * epoch comes.
 */
import type { Logger } from 'pino'

import type { Chain, RevealOutcome } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import type { PreparedEvalSet } from '../evaluate/index.js'
import type { HubCache } from '../hub/index.js'
import type { BaseModel } from '../model.js'
import type { FlockMetrics } from '../queue/metrics.js'
import { DEFAULT_EVAL_TIMEOUT_MS } from '../queue/run-job.js'
import type { ChatTokenizer } from '../tokenize/index.js'
import { buildCandidates, type Candidate } from './candidates.js'
import { commitmentId, evaluationContext, resultKey } from './context.js'
import { epochWindow, sleep, type EpochWindow } from './epoch-clock.js'
import { dispatchRound, type EvaluatorTarget, type InFlight } from './dispatch.js'
import { describeError, evaluateMiner, StopRequested, type EvaluateMinerOptions, type EvaluatorDeps } from './evaluate-miner.js'
import { finishedPredicate } from './finished.js'
import { buildQueue, type QueueItem } from './queue.js'
import { silentReporter, type Reporter, type RoundSummary } from './reporter.js'
import type { MinerResult, ResultStore } from './store/index.js'
import type { WeightsSettings } from './send-weights.js'
import { weigh } from './weigh.js'

export interface ValidatorOptions {
  chain: Chain
  cache: HubCache
  netuid: number
  config: CompetitionConfig
  /** modelFingerprint() of the base model: part of the evaluation context. */
  modelId: string
  /** The base model, loaded once, when evaluations run here one at a time. */
  model?: BaseModel
  /** Where evaluations run otherwise: a BullMQ queue, or an in-process evaluator over several devices. */
  evaluator?: EvaluatorTarget
  metrics?: FlockMetrics
  tokenizer: ChatTokenizer
  /** The eval set, tokenized once. */
  evalSet: PreparedEvalSet
  store: ResultStore
  logger: Logger
  reporter?: Reporter
  /** Overrides the subnet's tempo as the epoch length. */
  blocksPerEpoch?: number
  /** Time budget of one evaluation. Default 30 min. */
  evalTimeoutMs?: number
  /** Attempts before a retryable failure is final. Default 3. */
  maxAttempts?: number
  /** Miners re-evaluated per round after an eval-set or config change: the strongest, then a sample. Default 8 and 8. */
  queue?: { strongest: number; sample: number }
  /** The uid that gets the weight when nothing is eligible (the subnet owner's). Default 0. */
  burnUid?: number
  /** Head polling interval while waiting. Default 12 s (a block). */
  pollMs?: number
  /** Stop starting evaluations this many blocks before the epoch ends, to leave time to send weights. Default 10. */
  marginBlocks?: number
  /** How weights go on chain: commit-reveal preference and subnet mechanism (see send-weights.ts). */
  weights?: WeightsSettings
}

/** What evaluating a round's queue needs, whichever way it runs. */
interface RoundWork {
  deps: EvaluatorDeps
  queue: readonly QueueItem[]
  original: EvaluateMinerOptions['original']
  /** Whether the epoch is about to end (never, for a whole-queue round). */
  epochEnding(): Promise<boolean>
  signal: AbortSignal
}

interface RoundEvaluations {
  evaluated: MinerResult[]
  /** Queued miners left for a later round. */
  deferred: number
}

export class Validator {
  readonly context: string
  readonly #o: ValidatorOptions
  readonly #log: Logger
  readonly #reporter: Reporter
  /** Evaluations the in-process evaluator started that have no result yet (see dispatch.ts). */
  readonly #inFlight: InFlight = { keys: new Set(), stopping: false }

  constructor(options: ValidatorOptions) {
    if (!options.model === !options.evaluator) throw new Error('Validator: give either the loaded model or an evaluator')
    this.#o = options
    this.#log = options.logger
    this.#reporter = options.reporter ?? silentReporter
    this.context = evaluationContext(options.config, options.evalSet.hash, options.modelId)
  }

  /** The round id under which jobs go to the evaluator: one per subnet and evaluation context, so it outlives epochs. */
  get roundId(): string {
    return `sn${this.#o.netuid}-${this.context}`
  }

  async #epoch(): Promise<{ window: EpochWindow; block: number }> {
    const info = await this.#o.chain.epoch(this.#o.netuid)
    return { window: epochWindow(info, this.#o.blocksPerEpoch), block: info.block }
  }

  #current = (c: Candidate): MinerResult | undefined => this.#o.store.get(resultKey(this.context, c.id))

  /** Reveals weight commits whose epoch has come; failures are logged, never thrown. */
  async revealPending(): Promise<RevealOutcome[]> {
    if (!this.#o.chain.hotkey) return []
    try {
      const outcomes = await this.#o.chain.revealPendingWeights(this.#o.netuid)
      for (const o of outcomes) {
        const level = o.status === 'failed' ? 'warn' : o.status === 'waiting' ? 'debug' : 'info'
        this.#log[level]({ commitHash: o.commitHash, status: o.status, ...(o.status === 'failed' ? { err: describeError(o.error) } : {}) }, 'weight reveal')
      }
      return outcomes
    } catch (err) {
      this.#log.warn({ err: describeError(err) }, 'could not reveal pending weights')
      return []
    }
  }

  /**
   * One round. With `wholeQueue`, evaluates everything queued whatever the epoch's end
   * (a one-off run); otherwise stops starting evaluations near the epoch's end.
   */
  async runRound(opts: { signal: AbortSignal; wholeQueue?: boolean }): Promise<RoundSummary> {
    const { chain, netuid, store } = this.#o
    await this.revealPending()
    const { window } = await this.#epoch()
    const [seed, metagraph, commitments, policy] = await Promise.all([
      chain.blockHash(window.startBlock), chain.metagraph(netuid), chain.commitments(netuid), chain.weightsPolicy(netuid),
    ])
    const candidates = buildCandidates(metagraph, commitments)
    for (const c of candidates) {
      if (!c.problem || this.#current(c)) continue
      await store.recordResult({
        key: resultKey(this.context, c.id), context: this.context, hotkey: c.hotkey, uid: c.uid, commitBlock: c.commitBlock, commitment: c.text,
        status: c.problem.code, reason: c.problem.reason, final: true, attempts: 0, loss: null, contentHash: null, fileSha256: null,
        proofValid: null, duplicateOf: null, seconds: 0, at: new Date().toISOString(),
      })
      this.#log.info({ uid: c.uid, hotkey: c.hotkey, status: c.problem.code, reason: c.problem.reason }, 'commitment cannot be evaluated')
    }
    const evaluable = candidates.filter((c) => !c.problem)
    const byCommitment = new Map<string, MinerResult[]>()
    for (const r of store.results()) {
      if (r.context === this.context) continue
      const id = commitmentId(r.hotkey, r.commitBlock, r.commitment)
      byCommitment.set(id, [...(byCommitment.get(id) ?? []), r])
    }
    const queue = buildQueue({
      candidates: evaluable, current: this.#current, isFinished: finishedPredicate(candidates, this.#current),
      older: (c) => byCommitment.get(c.id) ?? [], seed,
      strongest: this.#o.queue?.strongest ?? 8, sample: this.#o.queue?.sample ?? 8,
    })
    this.#log.info({ epoch: window.index, block: metagraph.block, candidates: candidates.length, queued: queue.length }, 'round start')
    this.#reporter.roundStart({ epoch: window.index, block: metagraph.block, candidates: candidates.length, queued: queue.length })

    const deps: EvaluatorDeps = {
      cache: this.#o.cache, tokenizer: this.#o.tokenizer, evalSet: this.#o.evalSet, config: this.#o.config,
      context: this.context, store, logger: this.#log, evalTimeoutMs: this.#o.evalTimeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS, maxAttempts: this.#o.maxAttempts ?? 3,
      ...(this.#o.model ? { model: this.#o.model } : {}), ...(this.#o.metrics ? { metrics: this.#o.metrics } : {}),
    }
    const original = (hash: string, c: Candidate): Candidate | null =>
      evaluable.find((o) => {
        if (o === c || !(o.commitBlock < c.commitBlock || (o.commitBlock === c.commitBlock && o.uid < c.uid))) return false
        const r = this.#current(o)
        return r?.status === 'scored' && r.contentHash === hash
      }) ?? null
    const epochEnding = async () => !opts.wholeQueue && (await chain.currentBlock()).number >= window.endBlock - (this.#o.marginBlocks ?? 10)
    const work: RoundWork = { deps, queue, original, epochEnding, signal: opts.signal }
    const { evaluated, deferred } = this.#o.evaluator
      ? await this.#dispatch(this.#o.evaluator, work, opts.wholeQueue === true)
      : await this.#evaluateHere(work)

    const after = await chain.metagraph(netuid)
    const { scored, sent } = await weigh({
      chain, netuid, store, scoring: this.#o.config.scoring, burnUid: this.#o.burnUid ?? 0, epoch: window,
      metagraph: after, policy: await chain.weightsPolicy(netuid), candidates, current: this.#current,
      ...(this.#o.weights ? { settings: this.#o.weights } : {}),
    })
    if (sent.status === 'set' || sent.status === 'committed') this.#o.metrics?.recordWeightsSet()
    const summary: RoundSummary = {
      epoch: window.index, block: after.block, candidates: candidates.length, evaluated, deferred,
      ranking: scored.ranking, burned: scored.burned, weights: scored.u16, sent,
    }
    this.#log.info({ epoch: window.index, evaluated: evaluated.length, deferred, burned: scored.burned, weights: scored.u16, sent: sent.status, ...('reason' in sent ? { reason: sent.reason } : {}) }, 'round end')
    this.#reporter.roundEnd(summary)
    return summary
  }

  /** The queue one miner at a time on the loaded model, until it is done or the epoch is ending. */
  async #evaluateHere(w: RoundWork): Promise<RoundEvaluations> {
    const evaluated: MinerResult[] = []
    for (const [index, item] of w.queue.entries()) {
      if (w.signal.aborted) throw new StopRequested()
      if (await w.epochEnding()) {
        const deferred = w.queue.length - index
        this.#log.info({ deferred }, 'the epoch is ending: the rest waits for the next round')
        return { evaluated, deferred }
      }
      const c = item.candidate
      this.#reporter.minerStart({ uid: c.uid, hotkey: c.hotkey, index, total: w.queue.length, tier: item.tier })
      const result = await evaluateMiner(w.deps, item, {
        commitBlockHash: await this.#o.chain.blockHash(c.commitBlock), original: w.original, signal: w.signal,
        onProgress: (p) => this.#reporter.minerProgress({ uid: c.uid, phase: p.phase, ...(p.step !== undefined ? { step: p.step, totalSteps: p.totalSteps } : {}) }),
      })
      evaluated.push(result)
      this.#reporter.minerResult(result)
    }
    return { evaluated, deferred: 0 }
  }

  /** The queue through the evaluator (see dispatch.ts); waiting stops near the epoch's end unless `wholeQueue`. */
  async #dispatch(target: EvaluatorTarget, w: RoundWork, wholeQueue: boolean): Promise<RoundEvaluations> {
    const deadline = wholeQueue ? undefined : watchDeadline(w.epochEnding, this.#o.pollMs ?? 12_000, w.signal, this.#log)
    try {
      const out = await dispatchRound({
        deps: w.deps, target, roundId: this.roundId, queue: w.queue, original: w.original, signal: w.signal, reporter: this.#reporter, inFlight: this.#inFlight,
        blockHash: (n) => this.#o.chain.blockHash(n), ...(deadline ? { deadline: deadline.signal } : {}),
      })
      if (out.deferred > 0) this.#log.info({ deferred: out.deferred }, 'left for the next round (the epoch ended, or their evaluation goes on)')
      return out
    } finally {
      deadline?.dispose()
    }
  }

  /** Rounds until `signal` aborts: one per epoch, waiting for the next epoch in between. */
  async run(signal: AbortSignal): Promise<void> {
    const pollMs = this.#o.pollMs ?? 12_000
    while (!signal.aborted) {
      let epoch: number
      try {
        epoch = (await this.runRound({ signal })).epoch
      } catch (err) {
        if (err instanceof StopRequested || signal.aborted) break
        this.#log.error({ err: describeError(err) }, 'round failed; trying again shortly')
        await sleep(pollMs * 5, signal)
        continue
      }
      while (!signal.aborted) {
        try {
          if ((await this.#epoch()).window.index > epoch) break
        } catch (err) {
          this.#log.warn({ err: describeError(err) }, 'could not read the epoch')
        }
        await this.revealPending()
        await sleep(pollMs, signal)
      }
    }
  }
}

/**
 * An AbortSignal that aborts once `ended()` says so, checked every `pollMs`. A failed check
 * is logged and retried; after five in a row the deadline is taken as reached (the head
 * cannot be read, so the epoch's end cannot be told: better to weigh what is decided).
 */
function watchDeadline(ended: () => Promise<boolean>, pollMs: number, stop: AbortSignal, log: Logger): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController()
  const done = new AbortController()
  const quit = AbortSignal.any([done.signal, stop])
  void (async () => {
    let failures = 0
    while (!ctl.signal.aborted && !quit.aborted) {
      try {
        if (await ended()) ctl.abort()
        failures = 0
      } catch (err) {
        if (quit.aborted) return
        log.warn({ err: describeError(err), failures: ++failures }, 'could not read the head block')
        if (failures >= 5) ctl.abort()
      }
      await sleep(pollMs, quit)
    }
  })()
  return { signal: ctl.signal, dispose: () => done.abort() }
}
