/**
 * Competitions embedded in the package, selected by name wherever a competition config
 * file is accepted (`--config flock-off-s1`). A config file is a default-rules competition.
 */
import type { CompetitionConfig } from '../config/index.js'
import { defaultRules } from './default.js'
import { FLOCK_OFF_S1, flockOffS1Config } from './flock-off-s1/config.js'
import { flockOffS1Rules } from './flock-off-s1/rules.js'
import type { CompetitionRules } from './rules.js'

export interface Competition {
  config: CompetitionConfig
  rules: CompetitionRules
  /** the file it was read from, or the embedded competition's name */
  source: string
}

const EMBEDDED: Readonly<Record<string, { config: CompetitionConfig; rules: CompetitionRules }>> = Object.freeze({
  [FLOCK_OFF_S1]: { config: flockOffS1Config, rules: flockOffS1Rules },
})

export const EMBEDDED_COMPETITIONS: readonly string[] = Object.keys(EMBEDDED)

/** The embedded competition of that name, or null (then the name is a file path). */
export function embeddedCompetition(name: string): Competition | null {
  const c = Object.hasOwn(EMBEDDED, name) ? EMBEDDED[name]! : null
  return c ? { ...c, source: `the embedded competition ${name}` } : null
}

/** The rules a config runs under: an embedded competition's config carries its own, a file the default rules. */
export function rulesOf(config: CompetitionConfig): CompetitionRules {
  const embedded = Object.hasOwn(EMBEDDED, config.name) ? EMBEDDED[config.name]! : null
  return embedded && embedded.config === config ? embedded.rules : defaultRules
}
