/**
 * What the validator tells the person or program running it, apart from logs: `--json`
 * status lines on stdout, progress bars on a TTY. The loop calls a Reporter; it never
 * writes to a terminal itself.
 */
import cliProgress from 'cli-progress'

import type { RankingRow, U16Weights } from '../scoring/index.js'
import type { QueueTier } from './round-order.js'
import type { SendOutcome } from './send-weights.js'
import type { MinerResult } from './store/index.js'

export interface RoundSummary {
  epoch: number
  block: number
  candidates: number
  evaluated: MinerResult[]
  /** Queued miners left for a later round (the epoch ended first). */
  deferred: number
  ranking: RankingRow[]
  burned: boolean
  weights: U16Weights
  sent: SendOutcome
  /** What `ranking[].score` is, for the table (default: the win rate). */
  scoreLabel?: string
  /** Under a daily competition (flock-off-s1): the step's phase, the competition and its winner. */
  competition?: { id: string | null; phase: string; status: string | null; winner: { uid: number; hotkey: string; loss: number; commitBlock: number } | null; carriesOn: string | null }
}

export interface Reporter {
  roundStart(e: { epoch: number; block: number; candidates: number; queued: number }): void
  minerStart(e: { uid: number; hotkey: string; index: number; total: number; tier: QueueTier }): void
  minerProgress(e: { uid: number; phase: string; step?: number; totalSteps?: number }): void
  minerResult(r: MinerResult): void
  roundEnd(s: RoundSummary): void
  close(): void
}

export const silentReporter: Reporter = {
  roundStart() {}, minerStart() {}, minerProgress() {}, minerResult() {}, roundEnd() {}, close() {},
}

const sentJson = (s: SendOutcome) =>
  'receipt' in s
    ? {
        status: s.status, via: s.via, block: s.receipt.blockNumber, blockHash: s.receipt.blockHash,
        ...(s.revealRound !== undefined ? { revealRound: s.revealRound, revealBlock: s.revealBlock } : {}),
      }
    : { status: s.status, reason: s.reason }

/** One JSON object per line: {"event": ..., ...}. */
export function jsonReporter(out: NodeJS.WritableStream = process.stdout): Reporter {
  const emit = (event: string, data: object) => out.write(`${JSON.stringify({ event, time: new Date().toISOString(), ...data })}\n`)
  return {
    roundStart: (e) => emit('round-start', e),
    minerStart: (e) => emit('miner-start', e),
    minerProgress() {},
    minerResult: (r) => emit('miner-result', { uid: r.uid, hotkey: r.hotkey, status: r.status, reason: r.reason, loss: r.loss, final: r.final, seconds: r.seconds }),
    roundEnd: (s) =>
      emit('round-end', {
        epoch: s.epoch, block: s.block, candidates: s.candidates, evaluated: s.evaluated.length, deferred: s.deferred, burned: s.burned,
        ranking: s.ranking, weights: s.weights, sent: sentJson(s.sent), ...(s.competition ? { competition: s.competition } : {}),
      }),
    close() {},
  }
}

/** A bar per round (miners done) and one for the current training run, on stderr. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  const bars = new cliProgress.MultiBar(
    { stream, clearOnComplete: true, hideCursor: true, format: ' {label} [{bar}] {value}/{total} {detail}' },
    cliProgress.Presets.shades_classic,
  )
  let round: cliProgress.SingleBar | null = null
  let run: cliProgress.SingleBar | null = null
  const stopRun = () => {
    if (run) bars.remove(run)
    run = null
  }
  return {
    roundStart(e) {
      round = bars.create(e.queued, 0, { label: `epoch ${e.epoch} miners`, detail: '' })
    },
    minerStart(e) {
      stopRun()
      run = bars.create(1, 0, { label: `uid ${e.uid} (${e.tier})`, detail: 'download' })
    },
    minerProgress(e) {
      if (!run) return
      if (e.totalSteps) run.setTotal(e.totalSteps)
      run.update(e.step ?? 0, { detail: e.phase })
    },
    minerResult(r) {
      stopRun()
      round?.increment(1, { detail: `uid ${r.uid}: ${r.status}` })
    },
    roundEnd() {
      stopRun()
      if (round) bars.remove(round)
      round = null
    },
    close() {
      bars.stop()
    },
  }
}
