#!/usr/bin/env node
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'

import { withCommonFlags } from '../lib/cli/common-flags.js'

await withCommonFlags(yargs(hideBin(process.argv)))
  .scriptName('flock-validator')
  .usage('$0 — evaluate miners\' datasets with LoRA training and set weights on chain')
  .strict()
  .help()
  .parseAsync()
