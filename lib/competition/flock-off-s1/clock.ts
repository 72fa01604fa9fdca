/**
 * The daily UTC cycle. Each competition is named by the UTC date its submission window
 * opens on (YYYYMMDD): submissions 12:00–12:30, validation from 12:30 until 11:30 the next
 * day, rewards 11:30–12:00, then the next day's submissions. The live validator reads the
 * minute of the UTC day (hour · 60 + minute), so a window starts on its whole minute.
 */
import { REWARD_START_MIN, SUBMISSION_START_MIN, VALIDATION_START_MIN } from './constants.js'

export type CyclePhase = 'submission' | 'validation' | 'rewarding'

/** YYYYMMDD of the UTC date of `t`. */
export function utcDateId(t: Date): string {
  return t.toISOString().slice(0, 10).replaceAll('-', '')
}

export function minuteOfUtcDay(t: Date): number {
  return t.getUTCHours() * 60 + t.getUTCMinutes()
}

export function phaseAt(t: Date): CyclePhase {
  const m = minuteOfUtcDay(t)
  if (m >= SUBMISSION_START_MIN && m < VALIDATION_START_MIN) return 'submission'
  if (m >= REWARD_START_MIN && m < SUBMISSION_START_MIN) return 'rewarding'
  return 'validation'
}

/**
 * The competition a commitment made at `t` is recorded for: today's while its submission
 * window has not closed, else tomorrow's (validators record commitments only while a
 * window is open, whatever the commitment's competition field says).
 */
export function submissionCompetitionId(t: Date): string {
  if (minuteOfUtcDay(t) < VALIDATION_START_MIN) return utcDateId(t)
  return utcDateId(new Date(t.getTime() + 86_400_000))
}

/** When the submission window of competition `id` (YYYYMMDD) opens and closes. */
export function submissionWindow(id: string): { opens: Date; closes: Date } {
  if (!/^\d{8}$/.test(id)) throw new RangeError(`competition id ${JSON.stringify(id)} is not YYYYMMDD`)
  const day = Date.UTC(Number(id.slice(0, 4)), Number(id.slice(4, 6)) - 1, Number(id.slice(6, 8)))
  return { opens: new Date(day + SUBMISSION_START_MIN * 60_000), closes: new Date(day + VALIDATION_START_MIN * 60_000) }
}
