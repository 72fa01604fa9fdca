/**
 * Checksummed JSON: an object written as its JSON text with a last field `"sum"`, the
 * sha256 of the text without that field (the object's own `JSON.stringify`). The line stays
 * one JSON object that any tool can read; one flipped digit anywhere in it no longer
 * matches its sum. The check is on the bytes as written, not on a re-serialisation.
 */
import { createHash } from 'node:crypto'

const SEAL = /,"sum":"([0-9a-f]{16,64})"\}$/

function digest(text: string, hexLength: number): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, hexLength)
}

/** `value`'s JSON with its checksum (`hexLength` hex digits of sha256: 16 for journal records, 64 for snapshots). */
export function sealJson(value: object, hexLength: 16 | 64): string {
  const body = JSON.stringify(value)
  if (!body.startsWith('{') || body === '{}') throw new TypeError('sealJson: expected a non-empty object')
  return `${body.slice(0, -1)},"sum":"${digest(body, hexLength)}"}`
}

export type Unsealed =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; problem: 'not JSON' | 'no checksum' | 'checksum mismatch' }

/** The object a sealed text holds, once its checksum matches. */
export function openSealed(text: string): Unsealed {
  const m = SEAL.exec(text)
  if (!m) {
    try {
      JSON.parse(text)
    } catch {
      return { ok: false, problem: 'not JSON' }
    }
    return { ok: false, problem: 'no checksum' }
  }
  const sum = m[1] as string
  const body = `${text.slice(0, m.index)}}`
  if (digest(body, sum.length) !== sum) return { ok: false, problem: 'checksum mismatch' }
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return { ok: false, problem: 'not JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'not JSON' }
  return { ok: true, value: value as Record<string, unknown> }
}
