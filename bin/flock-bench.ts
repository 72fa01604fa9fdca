#!/usr/bin/env node
import { benchMain } from '../lib/cli/bench.js'

await benchMain(process.argv.slice(2))
