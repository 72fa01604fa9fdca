#!/usr/bin/env node
import { runUsageOnly } from '../lib/cli/usage.js'

process.exitCode = runUsageOnly(
  {
    name: 'flock-validator',
    summary: 'evaluate miners\' datasets with LoRA training and set weights on chain',
    usage: '  flock-validator --help',
  },
  process.argv.slice(2),
)
