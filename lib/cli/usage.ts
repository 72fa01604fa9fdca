/** How every CLI reports a bad flag or value: one line naming it, exit code 2 (not the whole help). */
import type { Argv } from 'yargs'

import { packageVersion } from './version.js'

export const USAGE_EXIT_CODE = 2

export function usageError(program: string, message: string): string {
  return `${program}: ${message.replace(/\s*\n\s*/g, '; ')} (${program} --help lists the flags)`
}

/** yargs configured as every CLI of this package is: strict flags, --version, one-line errors with exit 2. */
export function withUsage<T>(y: Argv<T>, program: string): Argv<T> {
  return y
    .scriptName(program)
    .strict()
    .version(packageVersion())
    // a flag given twice takes its last value, not an array of both
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .fail((message, err) => {
      process.stderr.write(`${usageError(program, message ?? err?.message ?? 'bad arguments')}\n`)
      process.exit(USAGE_EXIT_CODE)
    })
}
