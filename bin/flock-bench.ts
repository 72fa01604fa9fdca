#!/usr/bin/env node
import { runUsageOnly } from '../lib/cli/usage.js'

process.exitCode = runUsageOnly(
  {
    name: 'flock-bench',
    summary: 'benchmark LoRA training and evaluation',
    usage: '  flock-bench --help',
  },
  process.argv.slice(2),
)
