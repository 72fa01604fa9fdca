#!/usr/bin/env node
import { runUsageOnly } from '../lib/cli/usage.js'

process.exitCode = runUsageOnly(
  {
    name: 'flock-miner',
    summary: 'validate, preview and publish a chat dataset for the FLockDataset subnet',
    usage: '  flock-miner --help',
  },
  process.argv.slice(2),
)
