/**
 * flock-miner as a function: parses argv, runs the command, writes results to stdout and
 * logs, progress and errors to stderr, and returns the exit code (0 done, 1 failed or
 * invalid dataset, 2 bad usage, 130 cancelled). bin/flock-miner.ts only wires the process.
 */
import yargs from 'yargs'

import { DatasetError } from '../../dataset/index.js'
import { CancelledError, FlockError } from '../../errors.js'
import { usageError } from '../usage.js'
import type { MinerArgs } from './args.js'
import { minerParser } from './args.js'
import { previewCommand, selectCommand, submitCommand, toJson, validateCommand } from './commands.js'
import { type CliIo, type Context, makeContext } from './context.js'

export type { CliIo } from './context.js'

const COMMANDS: Record<string, (ctx: Context) => Promise<number>> = {
  validate: validateCommand,
  preview: previewCommand,
  select: selectCommand,
  submit: submitCommand,
}

export async function runMinerCli(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = await new Promise<{ args?: MinerArgs; error?: Error; output: string }>((resolve) => {
    minerParser(yargs()).parse([...argv], {}, (error, args, output) => resolve({ args: args as MinerArgs, ...(error ? { error } : {}), output }))
  })
  if (parsed.error) {
    io.stderr.write(`${usageError('flock-miner', parsed.error.message)}\n`)
    return 2
  }
  const args = parsed.args!
  if (args.help || args.version) {
    io.stdout.write(`${parsed.output}\n`)
    return 0
  }
  const ctx = makeContext(args, argv, io)
  try {
    return await COMMANDS[String(args._[0])]!(ctx)
  } catch (err) {
    return reportError(ctx, err)
  }
}

function reportError(ctx: Context, err: unknown): number {
  const e = err instanceof Error ? err : new Error(String(err))
  const code = e instanceof FlockError ? e.code : 'E_UNEXPECTED'
  const issues = e instanceof DatasetError ? e.issues : undefined
  if (ctx.args.json) ctx.io.stdout.write(toJson({ ok: false, error: { code, message: e.message, ...(issues ? { issues, issuesTruncated: (e as DatasetError).issuesTruncated } : {}) } }))
  if (e instanceof DatasetError) {
    const more = e.issuesTruncated ? '\n  ... stopped at the cap' : ''
    ctx.io.stderr.write(`flock-miner: invalid dataset: ${e.issues.length} problem(s)\n${e.issues.map((i) => `  ${i.message}  [${i.code}]`).join('\n')}${more}\n`)
  } else {
    ctx.io.stderr.write(`flock-miner: ${e.message}${e instanceof FlockError ? ` [${code}]` : ''}\n`)
    ctx.log.debug({ err: e }, 'error details')
  }
  return e instanceof CancelledError || ctx.io.signal?.aborted ? 130 : 1
}
