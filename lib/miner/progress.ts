/**
 * Progress of a preview on stderr: a bar when stderr is a terminal, otherwise a log line
 * per phase and about every tenth of the training steps.
 */
import cliProgress from 'cli-progress'
import type { BaseLogger } from 'pino'

import type { EvaluateProgress } from '../evaluate/index.js'

/** With several runs (a preview's seed draws), which one this is. */
export type PreviewProgress = EvaluateProgress & { run?: number; runs?: number }

const label = (p: PreviewProgress) => ((p.runs ?? 1) > 1 ? `preview ${p.run}/${p.runs}:` : 'preview:')

export interface ProgressReporter {
  onProgress(p: PreviewProgress): void
  stop(): void
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean }
  logger: BaseLogger
}

export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  return options.stream.isTTY ? barReporter(options) : logReporter(options.logger)
}

function barReporter({ stream, logger }: ProgressOptions): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: '{phase} |{bar}| {value}/{total} {unit} | loss {loss} | {tps} tok/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  )
  let phase: string | null = null
  let running = false
  return {
    onProgress(p) {
      const counted = p.phase === 'train' || p.phase === 'eval'
      const key = `${p.run ?? 1}:${p.phase}`
      if (key !== phase) {
        phase = key
        if (running) bar.stop()
        running = false
        if (!counted) logger.info({ phase: p.phase, run: p.run }, `${label(p)} ${p.phase}`)
      }
      if (!counted) return
      const total = p.phase === 'train' ? p.totalSteps ?? 0 : p.evalTotal ?? 0
      const value = p.phase === 'train' ? p.step ?? 0 : p.evalDone ?? 0
      const payload = {
        phase: `${(p.runs ?? 1) > 1 ? `${p.run}/${p.runs} ` : ''}${p.phase.padEnd(5)}`,
        unit: p.phase === 'train' ? 'steps' : 'examples',
        loss: p.phase === 'train' && p.loss !== undefined ? p.loss.toFixed(4) : '-',
        tps: p.phase === 'train' && p.tokensPerSecond !== undefined ? Math.round(p.tokensPerSecond) : '-',
      }
      if (!running) {
        bar.start(total, value, payload)
        running = true
      } else bar.update(value, payload)
    },
    stop() {
      if (running) bar.stop()
      running = false
    },
  }
}

function logReporter(logger: BaseLogger): ProgressReporter {
  let phase: string | null = null
  let nextStep = 0
  return {
    onProgress(p) {
      const key = `${p.run ?? 1}:${p.phase}`
      if (key !== phase) {
        phase = key
        nextStep = 0
        logger.info({ phase: p.phase, run: p.run, elapsedSeconds: round(p.elapsedSeconds) }, `${label(p)} ${p.phase}`)
      }
      if (p.phase !== 'train' || p.step === undefined || p.totalSteps === undefined || p.step < nextStep) return
      nextStep = p.step + Math.max(1, Math.floor(p.totalSteps / 10))
      logger.info(
        { phase: 'train', step: p.step, totalSteps: p.totalSteps, loss: p.loss, tokensPerSecond: p.tokensPerSecond && Math.round(p.tokensPerSecond) },
        `${label(p)} step ${p.step}/${p.totalSteps}`,
      )
    },
    stop() {},
  }
}

const round = (x: number) => Math.round(x * 100) / 100
