/**
 * Progress of a preview on stderr: a bar when stderr is a terminal, otherwise a log line
 * per phase and about every tenth of the training steps.
 */
import cliProgress from 'cli-progress'
import type { BaseLogger } from 'pino'

import type { EvaluateProgress } from '../evaluate/index.js'

export interface ProgressReporter {
  onProgress(p: EvaluateProgress): void
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
      if (p.phase !== phase) {
        phase = p.phase
        if (running) bar.stop()
        running = false
        if (!counted) logger.info({ phase: p.phase }, `preview: ${p.phase}`)
      }
      if (!counted) return
      const total = p.phase === 'train' ? p.totalSteps ?? 0 : p.evalTotal ?? 0
      const value = p.phase === 'train' ? p.step ?? 0 : p.evalDone ?? 0
      const payload = {
        phase: p.phase.padEnd(5),
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
      if (p.phase !== phase) {
        phase = p.phase
        nextStep = 0
        logger.info({ phase: p.phase, elapsedSeconds: round(p.elapsedSeconds) }, `preview: ${p.phase}`)
      }
      if (p.phase !== 'train' || p.step === undefined || p.totalSteps === undefined || p.step < nextStep) return
      nextStep = p.step + Math.max(1, Math.floor(p.totalSteps / 10))
      logger.info(
        { phase: 'train', step: p.step, totalSteps: p.totalSteps, loss: p.loss, tokensPerSecond: p.tokensPerSecond && Math.round(p.tokensPerSecond) },
        `preview: step ${p.step}/${p.totalSteps}`,
      )
    },
    stop() {},
  }
}

const round = (x: number) => Math.round(x * 100) / 100
