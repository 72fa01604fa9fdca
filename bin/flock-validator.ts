#!/usr/bin/env node
import { validatorMain } from '../lib/cli/validator-main.js'

await validatorMain(process.argv.slice(2))
