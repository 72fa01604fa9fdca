#!/usr/bin/env node
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'

await yargs(hideBin(process.argv)).scriptName('flock-bench').usage('$0 — benchmark LoRA training and evaluation').strict().help().parseAsync()
