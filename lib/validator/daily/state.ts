/**
 * What a flock-off-s1 validator keeps across restarts, as the live validator keeps it in
 * its database: the active competition (the day whose submissions are being validated),
 * the one whose winner holds the weight, whether yesterday's reward carries on (no new
 * eval set), each competition's eval set, recorded submissions, status and winner, the
 * weights, and the epoch step the weights were last sent for. One JSON file, written
 * durably (lib/util/durable-write.ts) after every change; a damaged file is reported, never
 * replaced with an empty state.
 */
import { join } from 'node:path'

import { z } from 'zod'

import { writeFileDurable } from '../../util/durable-write.js'
import { readTextCapped } from '../../util/read-capped.js'
import { StoreCorruptError } from '../store/index.js'

const pinned = z.strictObject({ repo: z.string(), revision: z.string(), file: z.string() })
const submission = z.strictObject({ uid: z.int().nonnegative(), hotkey: z.string(), block: z.int().nonnegative(), text: z.string().nullable() })
const winner = z.strictObject({ uid: z.int().nonnegative(), hotkey: z.string(), commitBlock: z.int().nonnegative(), loss: z.number() })

const competition = z.strictObject({
  id: z.string().regex(/^\d{8}$/),
  evalSet: pinned,
  /** submission → validation → validated (every submission decided) → rewarding → completed */
  status: z.enum(['submission', 'validation', 'validated', 'rewarding', 'completed']),
  /** set when the eval set did not change: the competition carries `copiedFrom`'s reward on */
  copiedFrom: z.string().nullable(),
  /** by uid, as recorded in the submission window (the last commitment seen there) */
  submissions: z.record(z.string(), submission),
  winner: winner.nullable(),
  createdAt: z.string(),
})

const stateSchema = z.strictObject({
  version: z.literal(1),
  active: z.string().nullable(),
  reward: z.string().nullable(),
  useYesterdayReward: z.boolean(),
  competitions: z.record(z.string(), competition),
  /** one-hot: the winner holding the weight, or the burn uid */
  weights: z.strictObject({ uid: z.int().nonnegative(), hotkey: z.string().nullable(), source: z.enum(['winner', 'burn']), competition: z.string().nullable() }),
  /** the block of the epoch step the weights were last sent for */
  lastWeightsFor: z.int().nullable(),
})

export type DailyState = z.infer<typeof stateSchema>
export type CompetitionRecord = z.infer<typeof competition>
export type SubmissionRecord = z.infer<typeof submission>
export type WinnerRecord = z.infer<typeof winner>

export const STATE_FILE = 'flock-off-s1-state.json'

/** Larger than any state this writes (14 competitions of a few thousand submissions). */
const MAX_STATE_BYTES = 64 * 1024 * 1024

/** Competitions kept in the file (the oldest completed ones are dropped). */
const KEEP = 14

export function initialState(burnUid: number): DailyState {
  return {
    version: 1, active: null, reward: null, useYesterdayReward: false, competitions: {},
    weights: { uid: burnUid, hotkey: null, source: 'burn', competition: null }, lastWeightsFor: null,
  }
}

export class DailyStateFile {
  private constructor(readonly path: string, public state: DailyState) {}

  static async open(dir: string, burnUid: number): Promise<DailyStateFile> {
    const path = join(dir, STATE_FILE)
    let text: string
    try {
      text = await readTextCapped(path, MAX_STATE_BYTES)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new DailyStateFile(path, initialState(burnUid))
      throw err
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new StoreCorruptError(path, 'is not JSON')
    }
    const r = stateSchema.safeParse(value)
    if (!r.success) throw new StoreCorruptError(path, `is not a flock-off-s1 validator state: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    return new DailyStateFile(path, r.data)
  }

  async save(): Promise<void> {
    const ids = Object.keys(this.state.competitions).sort()
    for (const id of ids.slice(0, Math.max(0, ids.length - KEEP))) {
      if (id !== this.state.active && id !== this.state.reward) delete this.state.competitions[id]
    }
    await writeFileDurable(this.path, JSON.stringify(this.state, null, 1) + '\n')
  }
}
