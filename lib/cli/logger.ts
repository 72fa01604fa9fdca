/**
 * Structured logs (pino) to stderr. Fields that may carry secrets are redacted
 * whatever the call site logs.
 */
import { pino, type Logger } from 'pino'

export const REDACTED_PATHS = [
  'token', '*.token', 'hfToken', '*.hfToken', 'authorization', '*.authorization', 'headers.authorization',
  'secretPhrase', '*.secretPhrase', 'secretSeed', '*.secretSeed', 'seed', '*.seed', 'mnemonic', '*.mnemonic', 'privateKey', '*.privateKey',
]

export function createLogger(options: { name: string; level?: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { name: options.name, level: options.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  )
}
