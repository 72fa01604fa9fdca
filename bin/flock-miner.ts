#!/usr/bin/env node
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'

import { withCommonFlags } from '../lib/cli/common-flags.js'

await withCommonFlags(yargs(hideBin(process.argv)))
  .scriptName('flock-miner')
  .usage('$0 — validate, preview and publish a chat dataset for the FLockDataset subnet')
  .strict()
  .help()
  .parseAsync()
