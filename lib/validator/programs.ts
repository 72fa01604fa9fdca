/**
 * The validator program a competition's rules call for: a round per epoch (the default
 * rules: validator.ts) or the live SN96 daily UTC cycle (flock-off-s1: daily/program.ts).
 * Both are built from the same parts (store, hub cache, base model, the one evaluation
 * path) and run the same way: `once` for one round or step, `run` until stopped.
 */
import { join } from 'node:path'

import type { CompetitionRules } from '../competition/index.js'
import { HubCache } from '../hub/index.js'
import { assembleValidator, closeAll, type AssembleOptions } from './assemble.js'
import { DailyValidator } from './daily/program.js'
import { modelFingerprint } from './model-fingerprint.js'
import { ResultStore } from './store/index.js'

export interface ValidatorProgram {
  /** One round (every queued miner) or one step of the cycle, then the weights. */
  once(signal: AbortSignal): Promise<void>
  run(signal: AbortSignal): Promise<void>
  close(): Promise<void>
}

export interface ProgramOptions extends AssembleOptions {
  rules: CompetitionRules
  /** The UTC clock the daily cycle reads (default: the system's). */
  now?: () => Date
}

async function epochProgram(o: ProgramOptions): Promise<ValidatorProgram> {
  const v = await assembleValidator(o)
  return {
    once: async (signal) => void (await v.validator.runRound({ signal, wholeQueue: true })),
    run: (signal) => v.validator.run(signal),
    close: () => v.close(),
  }
}

/** The daily validator with its store (locked) and hub cache; `close()` undoes it. */
export async function openDailyValidator(o: ProgramOptions): Promise<{ validator: DailyValidator; close(): Promise<void> }> {
  if (o.redisUrl !== undefined) throw new Error(`${o.rules.name} evaluates in the validator process (its eval set changes every day): drop --redis.url`)
  const store = await ResultStore.open(join(o.stateDir, 'store'))
  try {
    const cache = new HubCache({ hub: o.hub, cacheDir: o.cacheDir, logger: o.logger })
    const { modelDir } = await o.resolveFiles(cache)
    const validator = await DailyValidator.open({ ...o, store, cache, modelDir, modelId: await modelFingerprint(modelDir) })
    return { validator, close: () => closeAll([() => validator.close(), () => store.close()]) }
  } catch (err) {
    await store.close().catch(() => undefined)
    throw err
  }
}

async function dailyProgram(o: ProgramOptions): Promise<ValidatorProgram> {
  const { validator, close } = await openDailyValidator(o)
  return { once: async (signal) => void (await validator.once(signal)), run: (signal) => validator.run(signal), close }
}

const PROGRAMS: Readonly<Record<CompetitionRules['cycle'], (o: ProgramOptions) => Promise<ValidatorProgram>>> = {
  epoch: epochProgram,
  'daily-utc': dailyProgram,
}

export function openValidatorProgram(o: ProgramOptions): Promise<ValidatorProgram> {
  return PROGRAMS[o.rules.cycle](o)
}
