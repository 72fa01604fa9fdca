/**
 * The row schema, checked by hand so that every problem of a row is reported
 * with its exact field and the expected/actual value:
 * `{"system": string|null?, "conversations": [{"role", "content"}, ...]}`,
 * roles alternating user/assistant from user and ending with assistant.
 */
import type { DatasetLimits } from '../config/schema.js'
import type { DatasetIssueCode } from './issues.js'
import type { ChatMessage, DatasetRow } from './types.js'

export type ReportProblem = (field: string | null, code: DatasetIssueCode, detail: string) => void

const ROW_KEYS = new Set(['system', 'conversations'])
const MESSAGE_KEYS = new Set(['role', 'content'])

function kind(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return 'a string'
  return `a ${typeof v}`
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

function codePoints(s: string, atLeast: number): number {
  // UTF-16 length bounds the code point count from above: count only when it matters.
  if (s.length <= atLeast) return s.length
  let n = 0
  for (const _ of s) n++
  return n
}

/** Checks one message text; returns false (after reporting) when it is unusable. */
function checkText(s: string, field: string, limits: DatasetLimits, report: ReportProblem): boolean {
  let ok = true
  if (s.trim() === '') {
    report(field, 'E_SCHEMA', s === '' ? 'must not be empty' : 'must not be only whitespace')
    ok = false
  }
  if (s.includes('\u0000')) {
    report(field, 'E_NUL', 'contains a NUL character (\\u0000)')
    ok = false
  }
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    report(field, 'E_UTF8', 'contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode')
    ok = false
  }
  const n = codePoints(s, limits.maxCharsPerMessage)
  if (n > limits.maxCharsPerMessage) {
    report(field, 'E_TOO_MANY_CHARS', `${n} characters, more than the limit of ${limits.maxCharsPerMessage}`)
    ok = false
  }
  return ok
}

function checkMessage(m: unknown, i: number, limits: DatasetLimits, report: ReportProblem): ChatMessage | null {
  const at = `conversations[${i}]`
  if (!isPlainObject(m)) {
    report(at, 'E_SCHEMA', `expected an object {"role", "content"}, got ${kind(m)}`)
    return null
  }
  let ok = true
  for (const k of Object.keys(m)) {
    if (!MESSAGE_KEYS.has(k)) {
      report(`${at}.${k}`, 'E_SCHEMA', 'unknown key (a message has only "role" and "content")')
      ok = false
    }
  }
  const expected = i % 2 === 0 ? 'user' : 'assistant'
  const role = m['role']
  if (!('role' in m)) {
    report(`${at}.role`, 'E_SCHEMA', 'is required')
    ok = false
  } else if (typeof role !== 'string') {
    report(`${at}.role`, 'E_SCHEMA', `expected a string, got ${kind(role)}`)
    ok = false
  } else if (role !== expected) {
    report(`${at}.role`, 'E_ROLE_ORDER', `expected "${expected}", got ${JSON.stringify(role)}`)
    ok = false
  }
  const content = m['content']
  if (!('content' in m)) {
    report(`${at}.content`, 'E_SCHEMA', 'is required')
    ok = false
  } else if (typeof content !== 'string') {
    report(`${at}.content`, 'E_SCHEMA', `expected a string, got ${kind(content)}`)
    ok = false
  } else if (!checkText(content, `${at}.content`, limits, report)) ok = false
  return ok ? { role: expected, content: content as string } : null
}

/** Validates one row; reports every problem and returns the normalized row, or null. */
export function checkRow(value: unknown, limits: DatasetLimits, report: ReportProblem): DatasetRow | null {
  if (!isPlainObject(value)) {
    report(null, 'E_NOT_OBJECT', `expected a JSON object, got ${kind(value)}`)
    return null
  }
  let ok = true
  for (const k of Object.keys(value)) {
    if (!ROW_KEYS.has(k)) {
      report(k, 'E_SCHEMA', 'unknown key (a row has only "system" and "conversations")')
      ok = false
    }
  }
  let system: string | null = null
  const sys = value['system']
  if (sys !== undefined && sys !== null) {
    if (typeof sys !== 'string') {
      report('system', 'E_SCHEMA', `expected a string or null, got ${kind(sys)}`)
      ok = false
    } else if (!checkText(sys, 'system', limits, report)) ok = false
    else system = sys
  }
  const conv = value['conversations']
  if (!('conversations' in value)) {
    report('conversations', 'E_SCHEMA', 'is required')
    return null
  }
  if (!Array.isArray(conv)) {
    report('conversations', 'E_SCHEMA', `expected an array of messages, got ${kind(conv)}`)
    return null
  }
  if (conv.length > limits.maxTurns) {
    report('conversations', 'E_TOO_MANY_TURNS', `${conv.length} messages, more than the limit of ${limits.maxTurns}`)
    return null
  }
  if (conv.length < 2) {
    report('conversations', 'E_SCHEMA', `needs at least a user and an assistant message, got ${conv.length} message(s)`)
    ok = false
  }
  const messages = conv.map((m, i) => checkMessage(m, i, limits, report))
  const last = conv[conv.length - 1] as Record<string, unknown> | undefined
  if (conv.length >= 2 && conv.length % 2 === 1 && last?.['role'] === 'user') {
    report('conversations', 'E_ROLE_ORDER', `must end with an assistant message, but message ${conv.length - 1} is from the user`)
    ok = false
  }
  if (!ok || messages.some((m) => m === null)) return null
  return { system, conversations: messages as ChatMessage[] }
}
