/** One JSONL line's bytes to a JSON value, rejecting what a strict reader must. */
import { formatPath, parseStrictJson } from '../util/strict-json.js'
import type { DatasetIssueCode } from './issues.js'

export interface LineProblem {
  field: string | null
  code: DatasetIssueCode
  detail: string
}

export type ParsedLine = { ok: true; value: unknown } | { ok: false; problems: LineProblem[] }

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false
  return true
}

export function parseLine(bytes: Uint8Array, maxDepth: number): ParsedLine {
  const fail = (code: DatasetIssueCode, detail: string, field: string | null = null): ParsedLine => ({ ok: false, problems: [{ field, code, detail }] })
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return fail('E_BOM', 'starts with a byte order mark (U+FEFF); JSONL must not have one')
  const nul = bytes.indexOf(0)
  if (nul >= 0) return fail('E_NUL', `NUL byte at byte ${nul + 1}`)
  if (isBlank(bytes)) return fail('E_EMPTY_LINE', 'empty line (every line must hold one JSON object)')
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return fail('E_UTF8', 'invalid UTF-8 byte sequence')
  }
  const r = parseStrictJson(text, maxDepth)
  if (r.ok) return r
  return { ok: false, problems: r.problems.map((p) => ({ field: p.path.length > 0 ? formatPath(p.path) : null, code: p.code, detail: p.message })) }
}
