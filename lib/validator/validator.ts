/**
 * The epoch loop. Each round reads the metagraph and the commitments, records the
 * commitments that cannot be evaluated, queues the rest (seeded by the epoch's first
 * block hash), evaluates them through the Evaluator until the queue is done or the epoch
 * is about to end, then weighs and sends weights. There is one evaluation path
 * (dispatch.ts): one device is an in-process evaluator with one slot, several devices are
 * several slots, and a BullMQ queue hands the same jobs to workers anywhere. Pending
 * weight reveals go out at start-up and whenever their epoch comes.
 */
import type { Logger } from 'pino'

import type { Chain, RevealOutcome } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import type { PreparedEvalSet } from '../evaluate/index.js'
import type { HubCache } from '../hub/index.js'
import type { FlockMetrics } from '../metrics/flock-metrics.js'
import { buildCandidates, type Candidate } from './candidates.js'
import { commitmentId, evaluationContext, resultKey } from './context.js'
import { endOfEpochMargin, epochWindow, sleep, type EpochWindow } from './epoch-clock.js'
import { dispatchRound, type EvaluatorTarget, type InFlight } from './dispatch.js'
import { describeError, evaluatorDeps, StopRequested, type OriginalOf } from './miner-run.js'
import { finishedPredicate } from './finished.js'
import { buildQueue } from './round-order.js'
import { silentReporter, type Reporter, type RoundSummary } from './reporter.js'
import type { MinerResult, ResultStore } from './store/index.js'
import { revealPending, type WeightsSettings } from './send-weights.js'
import { weigh } from './weigh.js'

export interface ValidatorOptions {
  chain: Chain
  cache: HubCache
  netuid: number
  config: CompetitionConfig
  /** modelFingerprint() of the base model: part of the evaluation context. */
  modelId: string
  /** Where evaluations run: an in-process evaluator (one slot per device) or a BullMQ queue. */
  evaluator: EvaluatorTarget
  metrics?: FlockMetrics
  /** The eval set, tokenized once (its hash is part of the evaluation context). */
  evalSet: PreparedEvalSet
  store: ResultStore
  logger: Logger
  reporter?: Reporter
  /** Overrides the subnet's tempo as the epoch length. */
  blocksPerEpoch?: number
  /** Time budget of one miner's pre-checks (each training attempt has the evaluator's). Default 30 min. */
  evalTimeoutMs?: number
  /** Attempts before a retryable pre-check failure is final. Default MAX_ATTEMPTS (3), as the evaluator's. */
  maxAttempts?: number
  /** Miners re-evaluated per round after an eval-set or config change: the strongest, then a sample. Default 8 and 8. */
  queue?: { strongest: number; sample: number }
  /** The uid that gets the weight when nothing is eligible (the subnet owner's). Default 0. */
  burnUid?: number
  /** Head polling interval while waiting. Default 12 s (a block). */
  pollMs?: number
  /** Stop starting evaluations this many blocks before the epoch ends, to leave time to send weights. Default: endOfEpochMargin(). */
  marginBlocks?: number
  /** How weights go on chain: commit-reveal preference and subnet mechanism (see send-weights.ts). */
  weights?: WeightsSettings
}

export class Validator {
  readonly context: string
  readonly #o: ValidatorOptions
  readonly #log: Logger
  readonly #reporter: Reporter
  /** Evaluations the in-process evaluator started that have no result yet (see dispatch.ts). */
  readonly #inFlight: InFlight = { keys: new Set(), stopping: false }

  constructor(options: ValidatorOptions) {
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
  revealPending(): Promise<RevealOutcome[]> {
    return revealPending(this.#o.chain, this.#o.netuid, this.#log)
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

    const deps = evaluatorDeps({ ...this.#o, store, logger: this.#log }, this.context)
    const original: OriginalOf = (hash, c) =>
      evaluable.find((o) => {
        if (o === c || !(o.commitBlock < c.commitBlock || (o.commitBlock === c.commitBlock && o.uid < c.uid))) return false
        const r = this.#current(o)
        return r?.status === 'scored' && r.contentHash === hash
      }) ?? null
    const margin = this.#o.marginBlocks ?? endOfEpochMargin(window)
    const epochEnding = async () => (await chain.currentBlock()).number >= window.endBlock - margin
    const deadline = opts.wholeQueue ? undefined : watchDeadline(epochEnding, this.#o.pollMs ?? 12_000, opts.signal, this.#log)
    let evaluated: MinerResult[]
    let deferred: number
    try {
      ;({ evaluated, deferred } = await dispatchRound({
        deps, target: this.#o.evaluator, roundId: this.roundId, queue, original, signal: opts.signal, reporter: this.#reporter, inFlight: this.#inFlight,
        blockHash: (n) => chain.blockHash(n), ...(deadline ? { deadline: deadline.signal } : {}),
      }))
    } finally {
      deadline?.dispose()
    }
    if (deferred > 0) this.#log.info({ deferred }, 'left for the next round (the epoch ended, or their evaluation goes on)')

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
export function watchDeadline(ended: () => Promise<boolean>, pollMs: number, stop: AbortSignal, log: Logger): { signal: AbortSignal; dispose(): void } {
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
