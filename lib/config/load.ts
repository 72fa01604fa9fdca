/** Parsing, loading and merging competition configs, with messages that name the field. */

import type { z } from 'zod'
import { toJSONSchema } from 'zod'

import { FlockError } from '../errors.js'
import { readTextCapped } from '../util/read-capped.js'
import { formatPath, parseStrictJson } from '../util/strict-json.js'
import { competitionConfigSchema, type CompetitionConfig } from './schema.js'

/** A competition config is missing a field, has a bad value or an unknown field (E_COMPETITION_CONFIG). */
export class CompetitionConfigError extends FlockError {
  /** one line per problem, each starting with the field's path */
  readonly problems: string[]
  constructor(message: string, problems: string[]) {
    super('E_COMPETITION_CONFIG', message)
    this.problems = problems
  }
}

function describe(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path as Array<string | number>)
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${formatPath([...(issue.path as Array<string | number>), k])}: unknown field`)
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return [`${at}: is required`]
  return [`${at || '(root)'}: ${issue.message}`]
}

/** Validates a parsed JSON value; throws CompetitionConfigError listing every problem. */
export function parseCompetitionConfig(value: unknown, source = 'competition config'): CompetitionConfig {
  const r = competitionConfigSchema.safeParse(value)
  if (r.success) return r.data
  const problems = r.error.issues.flatMap(describe)
  throw new CompetitionConfigError(`${source}: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, problems)
}

/** A competition config is a few kilobytes; more is not a config. */
export const COMPETITION_CONFIG_MAX_BYTES = 1024 * 1024

/** Reads and validates a competition config JSON file (strict JSON: duplicate keys are an error). */
export async function loadCompetitionConfig(path: string): Promise<CompetitionConfig> {
  let text: string
  try {
    text = await readTextCapped(path, COMPETITION_CONFIG_MAX_BYTES)
  } catch (err) {
    throw new CompetitionConfigError(`${path}: cannot read the competition config (${(err as Error).message})`, [])
  }
  const parsed = parseStrictJson(text, 16)
  if (!parsed.ok) {
    const problems = parsed.problems.map((p) => `${formatPath(p.path) || '(root)'}: ${p.message}`)
    throw new CompetitionConfigError(`${path}: ${problems.join('; ')}`, problems)
  }
  return parseCompetitionConfig(parsed.value, path)
}

export type CompetitionConfigOverrides = {
  [K in keyof CompetitionConfig]?: CompetitionConfig[K] extends object | null ? Partial<NonNullable<CompetitionConfig[K]>> | null : CompetitionConfig[K]
}

/**
 * `base` with some fields replaced, one level deep (a section's fields are
 * merged; arrays and evalSet are replaced whole), then validated.
 */
export function mergeCompetitionConfig(base: CompetitionConfig, overrides: CompetitionConfigOverrides): CompetitionConfig {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue
    const cur = (base as Record<string, unknown>)[k]
    const mergeable = v !== null && typeof v === 'object' && !Array.isArray(v) && cur !== null && typeof cur === 'object' && k !== 'evalSet'
    out[k] = mergeable ? { ...(cur as object), ...(v as object) } : v
  }
  return parseCompetitionConfig(out, 'competition config overrides')
}

/** The JSON Schema (draft 2020-12) of a competition config file. */
export function competitionConfigJsonSchema(): Record<string, unknown> {
  return toJSONSchema(competitionConfigSchema, { io: 'input' }) as Record<string, unknown>
}
