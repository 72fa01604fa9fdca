/** flock-validator's flags, parsed and checked, then the program (lib/cli/validator.ts), the demo or a worker. */
import yargs from 'yargs'

import { logLevel, withCommonFlags } from './common-flags.js'
import { withEvaluatorFlags } from './evaluator-flags.js'
import { createLogger } from './logger.js'
import { withUsage } from './usage.js'
import { stopOnSignals } from './signals.js'
import { runCompetitionDemo } from './demo/run.js'
import { parseDevices } from '../evaluator/resources.js'
import { runWorkerFromArgs } from './worker.js'
import { cliReporter, runValidatorCli } from './validator.js'


interface WeightsArgs {
  commit_reveal: 'auto' | 'hash'
  mechanism_id?: number
}

/** flock-validator's command line (argv without node and the script); sets process.exitCode. */
export async function validatorMain(argv: string[]): Promise<void> {
  // `flock-validator worker ...`: an evaluation worker pulling jobs from Redis (BullMQ); see lib/evaluator.
  if (argv[0] === 'worker') {
    process.exitCode = await runWorkerFromArgs(argv.slice(1))
    return
  }
  const args = await withEvaluatorFlags(withCommonFlags(withUsage(yargs(argv), 'flock-validator')), {
    describe: 'devices to evaluate on here: cuda:0,cuda:1 spreads jobs over both (default cpu); with --redis.url this process also works the queue on them',
  })
    .usage('$0 — evaluate miners\' datasets with LoRA training and set weights on chain')
    .option('blocks_per_epoch', { type: 'number', describe: 'epoch length in blocks (default: the subnet\'s tempo)' })
    .option('once', { type: 'boolean', default: false, describe: 'run one full round (every queued miner), set weights, exit' })
    .option('demo', { type: 'boolean', default: false, describe: 'with --local: a fresh local subnet with demo miners, one round, the ranking' })
    .option('eval_timeout', { type: 'number', describe: 'seconds one evaluation may take (default 1800)' })
    .option('burn_uid', { type: 'number', default: 0, describe: 'uid that gets the weight when no miner is eligible (the subnet owner)' })
    .option('threads', { type: 'number', describe: 'CPU threads for training (default: all cores)' })
    .option('utc_now', { type: 'string', describe: 'with --local: start the competition clock at this UTC time (ISO 8601), e.g. to try the flock-off-s1 windows' })
    .option('weights.commit_reveal', {
      choices: ['auto', 'hash'] as const, default: 'auto' as const,
      describe: 'on a commit-reveal subnet: auto = timelocked commits when the chain runs commit-reveal v4 (the chain reveals them), hash = salted-hash commit, revealed by this validator next epoch',
    })
    .option('weights.mechanism_id', { type: 'number', describe: 'set the weights of this subnet mechanism (default: the main one, 0)' })
    .option('weights', { hidden: true })
    .check((a) => {
      if (a.demo && !a.local) throw new Error('--demo runs on the local subnet: add --local')
      if (a.demo && (a.redis?.url !== undefined || a.devices !== undefined)) throw new Error('--demo evaluates in this process on the cpu: drop --redis.url and --devices')
      if (a.eval_timeout !== undefined && !(a.eval_timeout > 0)) throw new Error('--eval_timeout must be a positive number of seconds')
      if (a.blocks_per_epoch !== undefined && !(Number.isInteger(a.blocks_per_epoch) && a.blocks_per_epoch > 0)) throw new Error('--blocks_per_epoch must be a positive integer')
      const cr = (a.weights as WeightsArgs | undefined)?.commit_reveal
      // yargs does not check choices of a dotted flag whose parent is declared
      if (cr !== undefined && cr !== 'auto' && cr !== 'hash') throw new Error(`--weights.commit_reveal must be auto or hash, got ${JSON.stringify(cr)}`)
      const mech = (a.weights as WeightsArgs | undefined)?.mechanism_id
      if (mech !== undefined && !(Number.isInteger(mech) && mech >= 0 && mech <= 255)) throw new Error('--weights.mechanism_id must be an integer from 0 to 255')
      if (!(Number.isInteger(a.burn_uid) && a.burn_uid >= 0 && a.burn_uid <= 65535)) throw new Error(`--burn_uid must be a uid in [0, 65535], got ${a.burn_uid}`)
      if (a.threads !== undefined && !(Number.isInteger(a.threads) && a.threads >= 0)) throw new Error(`--threads must be a non-negative integer, got ${a.threads}`)
      if (a.devices !== undefined) parseDevices(a.devices) // names the flag when malformed
      if (a.utc_now !== undefined && !a.local) throw new Error('--utc_now sets the clock of local runs only: add --local')
      if (a.utc_now !== undefined && !(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(a.utc_now) && Number.isFinite(Date.parse(a.utc_now))))
        throw new Error(`--utc_now must be a UTC time like 2026-03-02T12:10:00Z, got ${JSON.stringify(a.utc_now)}`)
      return true
    })
    .help()
    .parseAsync()

  const weights = args.weights as WeightsArgs
  // the demo prints a table on stdout: its logs stay quiet unless asked for
  const quiet = args.demo && !args.logging.debug && !args.logging.trace
  const logger = createLogger({ name: 'flock-validator', level: quiet ? 'warn' : logLevel(args) })
  const stop = stopOnSignals(logger)
  try {
    if (args.demo) {
      await runCompetitionDemo({
        ...(args.config ? { config: args.config } : {}),
        netuid: args.netuid, logger, signal: stop.signal, out: args.json ? null : process.stdout, ...(args.json ? { jsonOut: process.stdout } : {}), reporter: cliReporter(args.json, { table: false }),
        ...(args['state-dir'] ? { stateDir: args['state-dir'] } : {}), ...(args.threads !== undefined ? { numThreads: args.threads } : {}),
      })
    } else {
      await runValidatorCli({
        netuid: args.netuid, network: args.subtensor.network, wallet: args.wallet, json: args.json, local: args.local, once: args.once,
        burnUid: args.burn_uid, logger, signal: stop.signal,
        ...(args.config ? { configPath: args.config } : {}), ...(args['state-dir'] ? { stateDir: args['state-dir'] } : {}),
        ...(args.blocks_per_epoch !== undefined ? { blocksPerEpoch: args.blocks_per_epoch } : {}),
        weights: { commitReveal: weights.commit_reveal, ...(weights.mechanism_id !== undefined ? { mechanismId: weights.mechanism_id } : {}) },
        ...(args.subtensor.block_time !== undefined ? { blockSeconds: args.subtensor.block_time } : {}),
        ...(args.eval_timeout !== undefined ? { evalTimeoutSeconds: args.eval_timeout } : {}),
        ...(args.threads !== undefined ? { numThreads: args.threads } : {}),
        ...(args.utc_now !== undefined ? { utcNow: new Date(args.utc_now) } : {}),
        ...(args.devices !== undefined ? { devices: parseDevices(args.devices) } : {}),
        ...(args.redis?.url !== undefined ? { redisUrl: args.redis.url } : {}),
        ...(args.metrics?.port !== undefined ? { metricsPort: args.metrics.port, metricsHost: args.metrics.host ?? '127.0.0.1' } : {}),
        queuePrefix: args.queue.prefix,
      })
    }
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code }, 'flock-validator failed')
    process.exitCode = 1
  } finally {
    stop.dispose()
  }
}
