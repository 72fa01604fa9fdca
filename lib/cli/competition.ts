/**
 * Which competition a program scores under, resolved one way for flock-validator, its
 * workers and flock-miner, so a miner's preview uses what validators use:
 *
 *   competition: --config NAME (an embedded competition: flock-off-s1), else --config FILE
 *                (default rules), else (--local) <state-dir>/local/config.json, else the embedded default
 *   model:       a local folder flag, else (--local) <state-dir>/local/model, else the config's base model from the hub
 *   eval set:    a local file flag, else the competition's: under the default rules (--local)
 *                <state-dir>/local/eval.jsonl or the config's pinned eval set; under flock-off-s1
 *                the head of its eval repo's main branch on the hub (the local hub with --local)
 *
 * (the --local files are written when the local network is first opened: lib/local-subnet).
 */
import { resolve } from 'node:path'

import { defaultRules, embeddedCompetition, type Competition } from '../competition/index.js'
import { defaultCompetitionConfig, loadCompetitionConfig } from '../config/index.js'
import { type CompetitionFiles, type HubCache, resolveCompetitionFiles, resolveEvalSetFile } from '../hub/index.js'
import type { LocalNetworkPaths } from '../local-subnet/index.js'

export interface CompetitionChoice {
  /** --config: an embedded competition's name or a file path */
  config?: string
  /** the folder a relative --config path is read from (default: the process's) */
  cwd?: string
  /** the --local network's files, or null */
  local: LocalNetworkPaths | null
}

export async function loadCompetition(c: CompetitionChoice): Promise<Competition> {
  if (c.config !== undefined) {
    const embedded = embeddedCompetition(c.config)
    if (embedded) return embedded
    const path = resolve(c.cwd ?? process.cwd(), c.config)
    return { config: await loadCompetitionConfig(path), rules: defaultRules, source: path }
  }
  if (c.local) return { config: await loadCompetitionConfig(c.local.config), rules: defaultRules, source: c.local.config }
  return { config: defaultCompetitionConfig, rules: defaultRules, source: 'the embedded default' }
}

export interface FilesChoice {
  competition: Pick<Competition, 'config' | 'rules'>
  local: LocalNetworkPaths | null
  /** a local model folder instead of the competition's */
  modelDir?: string
  /** a local eval set instead of the competition's */
  evalPath?: string
  /** where hub files are cached (needed unless everything is local) */
  cache?: HubCache
  signal?: AbortSignal
}

/** Which eval set a run uses: the given file, the local one, or the competition's (today's head for flock-off-s1). */
async function evalChoice(c: FilesChoice) {
  const { config, rules } = c.competition
  const evalPath = c.evalPath ?? (c.local && rules.evalSetPinned ? c.local.evalSet : undefined)
  const evalSet = evalPath === undefined && c.cache ? await rules.evalSet(config, c.cache, c.signal) : config.evalSet
  return {
    evalSet, competition: config.name, ...(evalPath !== undefined ? { evalPath } : {}),
    ...(c.cache ? { cache: c.cache } : {}), ...(c.signal ? { signal: c.signal } : {}),
  }
}

export async function competitionFiles(c: FilesChoice): Promise<CompetitionFiles> {
  const modelDir = c.modelDir ?? c.local?.model
  return resolveCompetitionFiles({ ...(await evalChoice(c)), baseModel: c.competition.config.baseModel, ...(modelDir !== undefined ? { modelDir } : {}) })
}

/** The eval set file alone (no base model download): what `submit` checks a selection against. */
export async function competitionEvalPath(c: Omit<FilesChoice, 'modelDir'>): Promise<string> {
  return (await resolveEvalSetFile(await evalChoice(c))).evalPath
}
