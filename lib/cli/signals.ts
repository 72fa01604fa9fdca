/**
 * SIGINT/SIGTERM: the first asks the program to stop (its AbortSignal aborts: the current
 * run is abandoned cleanly and state is saved); a second one exits at once.
 */
import type { Logger } from 'pino'

export function stopOnSignals(logger: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warn({ signal: name }, 'second signal: exiting now')
      process.exit(130)
    }
    logger.info({ signal: name }, 'stopping: abandoning the current run and saving state (send again to exit at once)')
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
