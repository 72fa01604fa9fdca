/** flock-miner's flags: the shared subnet-README ones plus each command's own. */
import type { Argv } from 'yargs'

import { type CommonArgs, withCommonFlags } from '../common-flags.js'
import { packageVersion } from '../version.js'
import { DEFAULT_PREVIEW_DRAWS } from '../../miner/preview.js'

export interface MinerArgs extends CommonArgs {
  _: Array<string | number>
  help?: boolean
  version?: boolean
  dataset_path: string
  max_issues: number
  eval_path?: string
  model?: string
  seed?: string
  seeds: number
  threads: number
  cache_dir?: string
  hf_repo_id?: string
  hf_token?: string
  hub_url?: string
  private?: boolean
  out?: string
  time_budget?: number
  candidates?: number
  swap?: number
  search_seed?: number
  timelock_blocks?: number
}

const dataset = { type: 'string', demandOption: true, describe: 'the dataset, JSONL (one {"system"?, "conversations": [...]} per line)' } as const
const hubFlags = (y: Argv) =>
  y
    .option('hf_token', { type: 'string', describe: 'Hugging Face token (prefer HF_TOKEN or a .env file: flags show in the process list)' })
    .option('hub_url', { type: 'string', describe: 'Hugging Face hub URL (default: $HF_ENDPOINT or https://huggingface.co)' })

export function minerParser(y: Argv): Argv<MinerArgs> {
  return withCommonFlags(y)
    .scriptName('flock-miner')
    .usage('$0 <command> — validate, preview and publish a chat dataset for the FLockDataset subnet')
    .command('validate', 'check a dataset against the competition\'s schema and limits (and the model\'s chat template); lists every problem with its line and field', (c) =>
      c
        .option('dataset_path', dataset)
        .option('max_issues', { type: 'number', default: 100, describe: 'stop after this many problems' })
        .option('model', { type: 'string', describe: 'a model folder: also tokenize every row with its tokenizer and chat template, as training does (with --local: the local model)' }),
    )
    .command('preview', 'train and evaluate as validators do: with the wallet flags, the loss validators compute for your commitment; before committing, the mean and range over --seeds draws', (c) =>
      hubFlags(c)
        .option('dataset_path', dataset)
        .option('eval_path', { type: 'string', describe: 'a local eval set (JSONL) instead of the one the competition config names' })
        .option('model', { type: 'string', describe: 'a local model folder instead of the config\'s base model' })
        .option('seeds', { type: 'number', default: DEFAULT_PREVIEW_DRAWS, describe: 'seed draws to evaluate when the dataset is not committed yet' })
        .option('seed', { type: 'string', describe: 'evaluate with this one seed instead (not what validators use)' })
        .option('threads', { type: 'number', default: 0, describe: 'CPU threads (0 = all cores)' })
        .option('cache_dir', { type: 'string', describe: 'hub download cache (default: the Hugging Face cache)' }),
    )
    .command('select', 'choose the rows of a flock-off-s1 submission from the eval set: scores candidate selections as validators do and keeps the best, within a time budget', (c) =>
      hubFlags(c)
        .option('out', { type: 'string', demandOption: true, describe: 'where to write the selection (JSONL: eval rows, verbatim)' })
        .option('eval_path', { type: 'string', describe: 'a local eval set (JSONL) instead of the competition\'s' })
        .option('model', { type: 'string', describe: 'a local model folder instead of the config\'s base model (e.g. a smaller one to rank selections on a CPU)' })
        .option('time_budget', { type: 'number', default: 600, describe: 'seconds to search; the candidate under way then finishes' })
        .option('candidates', { type: 'number', describe: 'score at most this many candidate selections' })
        .option('swap', { type: 'number', default: 10, describe: 'rows exchanged per step of the search' })
        .option('seeds', { type: 'number', default: 1, describe: 'hypothetical validator seeds each candidate is scored with (averaged)' })
        .option('search_seed', { type: 'number', default: 0, describe: 'seed of the search (the first random selection and the swaps)' })
        .option('threads', { type: 'number', default: 0, describe: 'CPU threads (0 = all cores)' })
        .option('cache_dir', { type: 'string', describe: 'hub download cache (default: the Hugging Face cache)' }),
    )
    .command('submit', 'upload the dataset to a Hugging Face dataset repo and commit it on chain', (c) =>
      hubFlags(c)
        .option('dataset_path', dataset)
        .option('hf_repo_id', { type: 'string', demandOption: true, describe: 'your dataset repo, owner/name (created if missing)' })
        .option('private', { type: 'boolean', describe: 'create the repo private (validators cannot read private repos)' })
        .option('timelock_blocks', { type: 'number', describe: 'commit timelocked: hidden from everyone (copiers too) until the drand round about this many blocks from now' })
        .check((a) => {
          const n = a.timelock_blocks
          if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new Error('--timelock_blocks must be a whole number of blocks, at least 1')
          return true
        }),
    )
    .demandCommand(1, 'name a command: validate, preview, select or submit')
    .check((a) => {
      const m = a as unknown as Partial<MinerArgs>
      if (m.seeds !== undefined && !(Number.isInteger(m.seeds) && m.seeds >= 1 && m.seeds <= 1000)) throw new Error(`--seeds must be an integer in [1, 1000], got ${m.seeds}`)
      if (m.threads !== undefined && !(Number.isInteger(m.threads) && m.threads >= 0)) throw new Error(`--threads must be a non-negative integer, got ${m.threads}`)
      if (m.max_issues !== undefined && !(Number.isInteger(m.max_issues) && m.max_issues >= 1)) throw new Error(`--max_issues must be a positive integer, got ${m.max_issues}`)
      if (m.seed !== undefined && !(/^\d{1,20}$/.test(m.seed) && BigInt(m.seed) < 1n << 64n)) throw new Error(`--seed must be an integer in [0, 2^64), got ${JSON.stringify(m.seed)}`)
      if (m.time_budget !== undefined && !(m.time_budget > 0)) throw new Error(`--time_budget must be a positive number of seconds, got ${m.time_budget}`)
      if (m.candidates !== undefined && !(Number.isInteger(m.candidates) && m.candidates >= 1)) throw new Error(`--candidates must be a positive integer, got ${m.candidates}`)
      if (m.swap !== undefined && !(Number.isInteger(m.swap) && m.swap >= 1)) throw new Error(`--swap must be a positive integer, got ${m.swap}`)
      if (m.search_seed !== undefined && !(Number.isSafeInteger(m.search_seed) && m.search_seed >= 0)) throw new Error(`--search_seed must be a non-negative integer, got ${m.search_seed}`)
      return true
    })
    .strict()
    // a flag given twice takes its last value, not an array of both
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .exitProcess(false)
    .version(packageVersion())
    .help() as unknown as Argv<MinerArgs>
}
