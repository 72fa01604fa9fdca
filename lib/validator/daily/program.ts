/**
 * The flock-off-s1 validator: the live SN96 daily cycle on a UTC clock, one step at a time.
 * Each step first sends the weights when they are due (once per tempo, within the last
 * WEIGHTS_BLOCK_THRESHOLD blocks before the epoch step), then does its phase's work:
 *
 *   12:00–12:30 submission  open today's competition when the eval set's head moved (else
 *                           yesterday's reward carries on), then record every commitment
 *   12:30–11:30 validation  evaluate the recorded submissions (validate-competition.ts)
 *   11:30–12:00 rewarding   the winner takes the weight (lib/scoring winner-take-all-rank)
 *
 * The weight stays with the last winner until a new one is decided; everything is persisted
 * after each change (state.ts), results in the result store, so a restart loses nothing.
 */
import type { Logger } from 'pino'

import type { EpochInfo, Metagraph } from '../../chain/index.js'
import { phaseAt, utcDateId } from '../../competition/flock-off-s1/clock.js'
import { readRawRows, type RowKey } from '../../competition/flock-off-s1/selection.js'
import { WEIGHTS_BLOCK_THRESHOLD } from '../../competition/flock-off-s1/constants.js'
import { weightsDue } from '../../competition/flock-off-s1/weight-timing.js'
import type { CompetitionRules } from '../../competition/index.js'
import { fetchEvalSet, type HubCache } from '../../hub/index.js'
import { topCount, U16_MAX, winnerTakeAllRank, type RankingRow, type U16Weights } from '../../scoring/index.js'
import { setUpEvaluation, type AssembleOptions, type Evaluation } from '../assemble.js'
import { evaluationContext, resultKey } from '../context.js'
import type { InFlight } from '../dispatch.js'
import { describeError, evaluatorDeps, type EvaluatorDeps } from '../miner-run.js'
import { silentReporter, type Reporter, type RoundSummary } from '../reporter.js'
import { revealPending, sendWeights, type SendOutcome } from '../send-weights.js'
import type { MinerResult, ResultStore } from '../store/index.js'
import { sleep } from '../epoch-clock.js'
import { watchDeadline } from '../validator.js'
import { DailyStateFile, type CompetitionRecord } from './state.js'
import { submissionCandidates, validatePass } from './validate-competition.js'

export interface DailyOptions extends AssembleOptions {
  rules: CompetitionRules
  store: ResultStore
  cache: HubCache
  modelDir: string
  modelId: string
  /** The UTC clock (default: the system's). */
  now?: () => Date
}

export interface StepReport {
  phase: ReturnType<typeof phaseAt>
  competition: string | null
  summary: RoundSummary | null
}

interface Session {
  competition: string
  evalRevision: string
  context: string
  evalRows: ReadonlySet<RowKey>
  evaluation: Evaluation
}

const oneHot = (uid: number): U16Weights => ({ uids: [uid], values: [U16_MAX] })

export class DailyValidator {
  readonly #o: DailyOptions
  readonly #log: Logger
  readonly #reporter: Reporter
  readonly #now: () => Date
  readonly #inFlight: InFlight = { keys: new Set(), stopping: false }
  #state!: DailyStateFile
  #session: Session | null = null

  private constructor(o: DailyOptions) {
    this.#o = o
    this.#log = o.logger
    this.#reporter = o.reporter ?? silentReporter
    this.#now = o.now ?? (() => new Date())
  }

  static async open(o: DailyOptions): Promise<DailyValidator> {
    const v = new DailyValidator(o)
    v.#state = await DailyStateFile.open(o.stateDir, o.burnUid ?? 0)
    // as the live validator starts: a state whose active competition is neither today's nor
    // yesterday's is stale, and the weight goes to the burn uid until a winner is decided
    const now = v.#now()
    const s = v.state
    if (s.active !== null && s.active !== utcDateId(now) && s.active !== utcDateId(new Date(now.getTime() - 86_400_000))) {
      o.logger.info({ active: s.active }, 'the stored competition is older than yesterday: starting afresh, weight to the burn uid')
      s.active = null
      s.useYesterdayReward = false
      s.weights = { uid: o.burnUid ?? 0, hotkey: null, source: 'burn', competition: null }
      await v.#state.save()
    }
    return v
  }

  get state() {
    return this.#state.state
  }

  async close(): Promise<void> {
    const s = this.#session
    this.#session = null
    await s?.evaluation.close()
  }

  /**
   * One step at the clock's time. `wholeQueue`: the validation phase evaluates everything,
   * whatever the epoch's end. `sendOnChange`: instead of when they are due, the weights go
   * out at the end of the step if it changed them (a new winner), and not otherwise.
   */
  async step(signal: AbortSignal, opts: { wholeQueue?: boolean; sendOnChange?: boolean } = {}): Promise<StepReport> {
    const { chain, netuid } = this.#o
    await revealPending(this.#o.chain, this.#o.netuid, this.#log)
    const now = this.#now()
    const phase = phaseAt(now)
    const before = JSON.stringify(this.state.weights)
    let sent: SendOutcome | null = null
    if (!opts.sendOnChange) sent = await this.#sendIfDue(await chain.epoch(netuid))
    let evaluated: MinerResult[] = []
    let deferred = 0
    let work = sent !== null
    const s = this.state
    if (phase === 'submission') work = (await this.#submission(now, signal)) || work
    else if (!s.useYesterdayReward && s.active !== null) {
      const c = s.competitions[s.active]!
      if (phase === 'validation' && (c.status === 'submission' || c.status === 'validation')) {
        ;({ evaluated, deferred } = await this.#validate(c, signal, opts.wholeQueue === true))
        work = true
      } else if (phase === 'rewarding' && c.status !== 'rewarding' && c.status !== 'completed') {
        await this.#reward(c)
        work = true
      }
    }
    if (opts.sendOnChange && JSON.stringify(this.state.weights) !== before) sent = await this.#send(await chain.epoch(netuid))
    await this.#state.save()
    if (!work) return { phase, competition: s.active, summary: null }
    const summary = await this.#summary(phase, evaluated, deferred, sent ?? { status: 'skipped', reason: opts.sendOnChange ? 'this step did not change the weights' : `not due yet: they go out once per tempo, within the last ${WEIGHTS_BLOCK_THRESHOLD} blocks before the epoch step` })
    this.#reporter.roundEnd(summary)
    return { phase, competition: s.active, summary }
  }

  /** --once: one step that finishes its phase's work, and sends the weights if it changed them. */
  async once(signal: AbortSignal): Promise<StepReport> {
    return this.step(signal, { wholeQueue: true, sendOnChange: true })
  }

  /** Steps until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const pollMs = this.#o.pollMs ?? 12_000
    while (!signal.aborted) {
      try {
        await this.step(signal)
      } catch (err) {
        if (signal.aborted) break
        this.#log.error({ err: describeError(err) }, 'step failed; trying again shortly')
        await sleep(pollMs * 5, signal)
        continue
      }
      await sleep(pollMs, signal)
    }
  }

  // ---- weights

  async #sendIfDue(epoch: EpochInfo): Promise<SendOutcome | null> {
    return weightsDue(epoch, this.state.lastWeightsFor) ? this.#send(epoch) : null
  }

  /** The weights now: the last winner's uid while it still holds its hotkey, else the burn uid. */
  #weightsFor(metagraph: Metagraph): { weights: U16Weights; burned: boolean } {
    const w = this.state.weights
    const burnUid = this.#o.burnUid ?? 0
    if (w.source === 'winner' && metagraph.neurons.find((n) => n.uid === w.uid)?.hotkey !== w.hotkey) {
      this.#log.warn({ uid: w.uid, hotkey: w.hotkey }, 'the winner\'s uid has another hotkey now: the weight goes to the burn uid')
      return { weights: oneHot(burnUid), burned: true }
    }
    return { weights: oneHot(w.uid), burned: w.source === 'burn' }
  }

  async #send(epoch: EpochInfo): Promise<SendOutcome> {
    const { chain, netuid } = this.#o
    const metagraph = await chain.metagraph(netuid)
    const sent = await sendWeights({
      chain, netuid, weights: this.#weightsFor(metagraph).weights, policy: await chain.weightsPolicy(netuid), block: metagraph.block,
      me: metagraph.neurons.find((n) => n.hotkey === chain.hotkey), alreadySentThisEpoch: false,
      ...(this.#o.weights ? { settings: this.#o.weights } : {}),
    })
    // a refusal (rate limit, no permit) is not retried within the stretch; a failure is
    if (sent.status !== 'failed') this.state.lastWeightsFor = epoch.nextEpochBlock
    if (sent.status === 'set' || sent.status === 'committed') this.#o.metrics?.recordWeightsSet()
    this.#log.info({ status: sent.status, ...('reason' in sent ? { reason: sent.reason } : { block: sent.receipt.blockNumber }), weights: this.state.weights }, 'weights')
    return sent
  }

  // ---- the phases

  /** Opens today's competition if needed, then records the submissions. Returns whether anything changed. */
  async #submission(now: Date, signal: AbortSignal): Promise<boolean> {
    const s = this.state
    const today = utcDateId(now)
    let changed = false
    if (!s.competitions[today]) {
      const evalSet = await this.#o.rules.evalSet(this.#o.config, this.#o.cache, signal)
      if (!evalSet) throw new Error('the competition names no eval set')
      const active = s.active !== null ? s.competitions[s.active] : undefined
      if (active) active.status = 'completed'
      const same = active !== undefined && active.evalSet.revision === evalSet.revision
      s.competitions[today] = {
        id: today, evalSet, status: same ? 'rewarding' : 'submission', copiedFrom: same ? active.id : null, submissions: {},
        winner: same ? active.winner : null, createdAt: now.toISOString(),
      }
      s.useYesterdayReward = same
      s.active = today
      await this.#state.save()
      this.#log.info({ competition: today, evalSet, carriesOn: same ? active.id : null }, same ? 'the eval set did not change: yesterday\'s reward carries on' : 'new competition')
      changed = true
    }
    if (s.useYesterdayReward) return changed
    const c = s.competitions[today]!
    const [metagraph, commitments] = await Promise.all([this.#o.chain.metagraph(this.#o.netuid), this.#o.chain.commitments(this.#o.netuid)])
    const byHotkey = new Map(commitments.map((r) => [r.hotkey, r]))
    for (const n of metagraph.neurons) {
      const r = byHotkey.get(n.hotkey)
      if (!r) continue
      const prev = c.submissions[String(n.uid)]
      if (prev && prev.hotkey === n.hotkey && prev.block === r.block && prev.text === r.text) continue
      c.submissions[String(n.uid)] = { uid: n.uid, hotkey: n.hotkey, block: r.block, text: r.text }
      changed = true
    }
    if (changed) this.#log.info({ competition: today, submissions: Object.keys(c.submissions).length }, 'submissions recorded')
    return changed
  }

  async #openSession(c: CompetitionRecord, signal: AbortSignal): Promise<Session> {
    if (this.#session?.competition === c.id && this.#session.evalRevision === c.evalSet.revision) return this.#session
    await this.close()
    const o = this.#o
    const evalFile = await fetchEvalSet(o.cache, c.evalSet, signal)
    const evaluation = await setUpEvaluation(o, o.cache, o.modelDir, evalFile)
    try {
      const evalRows = new Set((await readRawRows(evalFile, { signal })).keys)
      const context = evaluationContext(o.config, evaluation.parts.evalSet.hash, o.modelId)
      this.#session = { competition: c.id, evalRevision: c.evalSet.revision, context, evalRows, evaluation }
      return this.#session
    } catch (err) {
      await evaluation.close().catch(() => undefined)
      throw err
    }
  }

  #deps(context: string): EvaluatorDeps {
    return evaluatorDeps({ ...this.#o, logger: this.#log }, context)
  }

  async #validate(c: CompetitionRecord, signal: AbortSignal, wholeQueue: boolean): Promise<{ evaluated: MinerResult[]; deferred: number }> {
    const { chain, netuid } = this.#o
    const session = await this.#openSession(c, signal)
    c.status = 'validation'
    const candidates = Object.keys(c.submissions).length
    const block = (await chain.currentBlock()).number
    this.#reporter.roundStart({ epoch: 0, block, candidates, queued: candidates })
    // like the live loop, evaluation stops when the weights are due, so they go out on time
    const due = async () => weightsDue(await chain.epoch(netuid), this.state.lastWeightsFor)
    const deadline = wholeQueue ? undefined : watchDeadline(due, this.#o.pollMs ?? 12_000, signal, this.#log)
    try {
      const r = await validatePass({
        deps: this.#deps(session.context), target: session.evaluation.parts.evaluator, roundId: `sn${netuid}-s1-${c.id}-${session.context}`,
        blockHash: (n) => chain.blockHash(n), signal, reporter: this.#reporter, inFlight: this.#inFlight,
        competition: c, commitment: this.#o.rules.commitment, evalRows: session.evalRows,
        ...(deadline ? { deadline: deadline.signal } : {}),
      })
      if (r.done) c.status = 'validated'
      this.#log.info({ competition: c.id, evaluated: r.evaluated.length, deferred: r.deferred, done: r.done }, 'validation pass')
      return r
    } finally {
      deadline?.dispose()
    }
  }

  /** The competition's scored submissions, as the store holds them. */
  #results(c: CompetitionRecord, context: string | null): Array<{ uid: number; hotkey: string; commitBlock: number; result: MinerResult | undefined }> {
    return submissionCandidates(c, this.#o.rules.commitment).map((cand) => ({
      uid: cand.uid, hotkey: cand.hotkey, commitBlock: cand.commitBlock,
      result: context === null ? undefined : this.#o.store.get(resultKey(context, cand.id)),
    }))
  }

  async #contextOf(c: CompetitionRecord): Promise<string | null> {
    if (this.#session?.competition === c.id) return this.#session.context
    if (c.status === 'submission') return null
    return (await this.#openSession(c, new AbortController().signal)).context
  }

  async #reward(c: CompetitionRecord): Promise<void> {
    const metagraph = await this.#o.chain.metagraph(this.#o.netuid)
    const context = await this.#contextOf(c)
    const scored = this.#results(c, context).flatMap((x) => (x.result?.status === 'scored' && x.result.loss !== null ? [{ uid: x.uid, hotkey: x.hotkey, commitBlock: x.commitBlock, loss: x.result.loss }] : []))
    const picked = winnerTakeAllRank(scored, metagraph.neurons.length, this.#o.config.scoring.winnerTakeAllFraction)
    c.status = 'rewarding'
    if (picked) {
      c.winner = picked.winner
      this.state.weights = { uid: picked.winner.uid, hotkey: picked.winner.hotkey, source: 'winner', competition: c.id }
      this.state.reward = c.id
      this.#log.info({ competition: c.id, winner: picked.winner, top: picked.top.map((t) => t.uid), cut: topCount(metagraph.neurons.length, this.#o.config.scoring.winnerTakeAllFraction) }, 'winner decided')
    } else {
      // the live validator raises here and retries until the window ends; the last winner keeps the weight either way
      this.#log.warn({ competition: c.id, keeps: this.state.weights }, 'no submission was scored: the last winner keeps the weight')
    }
    await this.#state.save()
  }

  async #summary(phase: string, evaluated: MinerResult[], deferred: number, sent: SendOutcome): Promise<RoundSummary> {
    const metagraph = await this.#o.chain.metagraph(this.#o.netuid)
    const epoch = await this.#o.chain.epoch(this.#o.netuid)
    const s = this.state
    const c = s.active !== null ? s.competitions[s.active] : undefined
    const { weights, burned } = this.#weightsFor(metagraph)
    const shown = c?.copiedFrom ? s.competitions[c.copiedFrom] ?? c : c
    const context = shown ? await this.#contextOf(shown) : null
    const rows: RankingRow[] = (shown ? this.#results(shown, context) : []).flatMap((x) => {
      const r = x.result
      if (!r) return []
      const won = shown?.winner?.uid === x.uid && shown.winner.hotkey === x.hotkey
      return [{
        uid: x.uid, hotkey: x.hotkey, commitBlock: x.commitBlock, eligible: r.status === 'scored', code: r.status, reason: r.reason, loss: r.loss,
        score: r.status === 'scored' ? (won ? 1 : 0) : null, weight: won && !burned && weights.uids[0] === x.uid ? 1 : 0,
      }]
    })
    rows.sort((a, b) => Number(b.eligible) - Number(a.eligible) || (a.loss ?? Infinity) - (b.loss ?? Infinity) || a.uid - b.uid)
    const candidates = shown ? Object.keys(shown.submissions).length : 0
    return { epoch: epoch.index, block: metagraph.block, candidates, evaluated, deferred, ranking: rows, burned, weights, sent, scoreLabel: 'winner',
      competition: { id: s.active, phase, status: c?.status ?? null, winner: c?.winner ?? null, carriesOn: c?.copiedFrom ?? null },
    }
  }
}

