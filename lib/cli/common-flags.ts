/**
 * Flags shared by flock-validator and flock-miner, named as in the FLock subnet's
 * README (--wallet.name, --subtensor.network, --netuid, --logging.debug, ...).
 * yargs turns dotted flags into nested objects: args.wallet.name.
 */
import type { Argv } from 'yargs'

export interface CommonArgs {
  wallet: { name: string; hotkey: string; path: string }
  subtensor: { network: string; block_time?: number }
  netuid: number
  logging: { debug: boolean; trace: boolean }
  config?: string
  json: boolean
  local: boolean
  'state-dir'?: string
}

export function withCommonFlags<T>(y: Argv<T>): Argv<T & CommonArgs> {
  return y
    .option('wallet.name', { type: 'string', default: 'default', describe: 'wallet (coldkey) name under --wallet.path' })
    .option('wallet.hotkey', { type: 'string', default: 'default', describe: 'hotkey name in the wallet' })
    .option('wallet.path', { type: 'string', default: '~/.bittensor/wallets', describe: 'folder holding btcli wallets' })
    .option('subtensor.network', { type: 'string', default: 'finney', describe: 'finney | test | local | ws(s)://endpoint' })
    .option('subtensor.block_time', { type: 'number', describe: 'seconds per block, to turn blocks into drand rounds for timelocks (default 12; 0.25 on a fast-blocks local node)' })
    .option('netuid', { type: 'number', default: 96, describe: 'subnet id' })
    .option('logging.debug', { type: 'boolean', default: false, describe: 'debug logs' })
    .option('logging.trace', { type: 'boolean', default: false, describe: 'trace logs (very verbose)' })
    .option('config', { type: 'string', describe: 'competition config JSON (default: the embedded one)' })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable JSON lines on stdout' })
    .option('local', { type: 'boolean', default: false, describe: 'embedded local chain, local-folder hub and a tiny model' })
    .option('state-dir', { type: 'string', describe: 'where persistent state lives (default ~/.flock/<program>)' })
    // the parents of dotted flags, declared so strict mode accepts them
    .option('wallet', { hidden: true })
    .option('subtensor', { hidden: true })
    .option('logging', { hidden: true })
    .check((a) => {
      const netuid = (a as unknown as CommonArgs).netuid
      if (!Number.isInteger(netuid) || netuid < 0 || netuid > 65535) throw new Error(`--netuid must be an integer in [0, 65535], got ${netuid}`)
      const blockTime = (a as unknown as CommonArgs).subtensor?.block_time
      if (blockTime !== undefined && !(blockTime > 0)) throw new Error('--subtensor.block_time must be a positive number of seconds')
      return true
    }) as unknown as Argv<T & CommonArgs>
}

export function logLevel(args: Pick<CommonArgs, 'logging'>): 'trace' | 'debug' | 'info' {
  return args.logging.trace ? 'trace' : args.logging.debug ? 'debug' : 'info'
}
