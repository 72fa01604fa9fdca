#!/usr/bin/env node
// Runs a queue worker directly (tests, benchmarks): node --loader ts-node/esm lib/queue/worker-cli.ts --redis.url ... ;
// the validator mounts the same thing as `flock-validator worker`.
import { runWorkerFromArgs } from './worker-main.js'

process.exitCode = await runWorkerFromArgs(process.argv.slice(2))
