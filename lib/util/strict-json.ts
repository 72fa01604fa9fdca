/**
 * Strict JSON for untrusted input: RFC 8259 syntax (V8's JSON.parse, which is
 * iterative and so safe on deep input), a nesting cap checked before any
 * recursive code runs, and duplicate object keys reported (JSON.parse keeps the
 * last one silently; momoa's AST keeps them all).
 */
import { parse as parseAst } from '@humanwhocodes/momoa'
import type { ArrayNode, ObjectNode, ValueNode } from '@humanwhocodes/momoa'

export type JsonPath = ReadonlyArray<string | number>

export interface JsonProblem {
  code: 'E_JSON' | 'E_TOO_DEEP' | 'E_DUPLICATE_KEY'
  path: JsonPath
  message: string
}

export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; problems: JsonProblem[] }

/** `conversations[3].role`; keys that are not identifiers are quoted: `["a b"]`. */
export function formatPath(path: JsonPath): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += out === '' ? p : `.${p}`
    else out += `[${JSON.stringify(p)}]`
  }
  return out
}

/** Depth of the deepest container, stopping at the first one deeper than maxDepth. */
function findTooDeep(value: unknown, maxDepth: number): JsonPath | null {
  if (value === null || typeof value !== 'object') return null
  const stack: Array<{ v: unknown; depth: number; path: Array<string | number> }> = [{ v: value, depth: 1, path: [] }]
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!
    if (depth > maxDepth) return path
    const entries: Array<[string | number, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v as object)
    for (const [k, x] of entries) if (x !== null && typeof x === 'object') stack.push({ v: x, depth: depth + 1, path: [...path, k] })
  }
  return null
}

function collectDuplicates(node: ValueNode, path: Array<string | number>, out: JsonProblem[]): void {
  if (node.type === 'Object') {
    const seen = new Set<string>()
    for (const m of (node as ObjectNode).members) {
      const key = m.name.type === 'String' ? m.name.value : m.name.name
      if (seen.has(key)) out.push({ code: 'E_DUPLICATE_KEY', path, message: `duplicate key ${JSON.stringify(key)}` })
      seen.add(key)
      collectDuplicates(m.value, [...path, key], out)
    }
  } else if (node.type === 'Array') {
    ;(node as ArrayNode).elements.forEach((e, i) => collectDuplicates(e.value, [...path, i], out))
  }
}

/** Parses one JSON text strictly; every duplicate key is reported with its path. */
export function parseStrictJson(text: string, maxDepth: number): StrictJsonResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return { ok: false, problems: [{ code: 'E_JSON', path: [], message: `invalid JSON: ${(err as Error).message}` }] }
  }
  const deep = findTooDeep(value, maxDepth)
  if (deep) return { ok: false, problems: [{ code: 'E_TOO_DEEP', path: deep, message: `nesting deeper than ${maxDepth} levels` }] }
  // Depth is bounded now, so momoa's recursive parser cannot overflow the stack.
  const problems: JsonProblem[] = []
  collectDuplicates(parseAst(text, { mode: 'json', ranges: false }).body, [], problems)
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value }
}
