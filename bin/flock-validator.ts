#!/usr/bin/env node
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'

import { logLevel, withCommonFlags } from '../lib/cli/common-flags.js'
import { withQueueFlags } from '../lib/cli/queue-flags.js'
import { createLogger } from '../lib/cli/logger.js'
import { withUsage } from '../lib/cli/usage.js'
import { stopOnSignals } from '../lib/cli/signals.js'
import { runDemo } from '../lib/demo/run.js'
import { parseDevices } from '../lib/queue/resources.js'
import { runWorkerFromArgs } from '../lib/queue/worker-main.js'
import { cliReporter, runValidatorCli } from '../lib/validator/main.js'

// `flock-validator worker ...`: an evaluation worker pulling jobs from Redis (BullMQ); see lib/queue.
if (process.argv[2] === 'worker') {
  process.exitCode = await runWorkerFromArgs(process.argv.slice(3))
} else {
  await main()
}

interface WeightsArgs {
  commit_reveal: 'auto' | 'hash'
  mechanism_id?: number
}

async function main(): Promise<void> {
  const args = await withQueueFlags(withCommonFlags(withUsage(yargs(hideBin(process.argv)), 'flock-validator')), {
    describe: 'devices to evaluate on here: cuda:0,cuda:1 spreads jobs over both (default cpu); with --redis.url this process also works the queue on them',
  })
    .usage('$0 — evaluate miners\' datasets with LoRA training and set weights on chain')
    .option('blocks_per_epoch', { type: 'number', describe: 'epoch length in blocks (default: the subnet\'s tempo)' })
    .option('once', { type: 'boolean', default: false, describe: 'run one full round (every queued miner), set weights, exit' })
    .option('demo', { type: 'boolean', default: false, describe: 'with --local: a fresh local subnet with demo miners, one round, the ranking' })
    .option('eval_timeout', { type: 'number', describe: 'seconds one evaluation may take (default 1800)' })
    .option('burn_uid', { type: 'number', default: 0, describe: 'uid that gets the weight when no miner is eligible (the subnet owner)' })
    .option('threads', { type: 'number', describe: 'CPU threads for training (default: all cores)' })
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
      await runDemo({
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
