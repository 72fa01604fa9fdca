/**
 * Which competition a program scores under, resolved one way for flock-validator, its
 * workers and flock-miner, so a miner's preview uses what validators use:
 *
 *   config:    --config FILE, else (--local) <state-dir>/local/config.json, else the embedded default
 *   model:     a local folder flag, else (--local) <state-dir>/local/model, else the config's base model from the hub
 *   eval set:  a local file flag, else (--local) <state-dir>/local/eval.jsonl, else the config's eval set from the hub
 *
 * (the --local files are written when the local network is first opened: lib/local).
 */
import { type CompetitionConfig, defaultCompetitionConfig, loadCompetitionConfig } from '../config/index.js'
import { type CompetitionFiles, type HubCache, resolveCompetitionFiles } from '../hub/index.js'
import type { LocalNetworkPaths } from '../local/index.js'

export interface CompetitionChoice {
  /** --config */
  config?: string
  /** the --local network's files, or null */
  local: LocalNetworkPaths | null
}

export async function loadCompetition(c: CompetitionChoice): Promise<{ config: CompetitionConfig; source: string }> {
  if (c.config !== undefined) return { config: await loadCompetitionConfig(c.config), source: c.config }
  if (c.local) return { config: await loadCompetitionConfig(c.local.config), source: c.local.config }
  return { config: defaultCompetitionConfig, source: 'the embedded default' }
}

export interface FilesChoice {
  config: CompetitionConfig
  local: LocalNetworkPaths | null
  /** a local model folder instead of the competition's */
  modelDir?: string
  /** a local eval set instead of the competition's */
  evalPath?: string
  /** where hub files are cached (needed unless everything is local) */
  cache?: HubCache
  signal?: AbortSignal
}

export function competitionFiles(c: FilesChoice): Promise<CompetitionFiles> {
  const modelDir = c.modelDir ?? c.local?.model
  const evalPath = c.evalPath ?? c.local?.evalSet
  return resolveCompetitionFiles({
    baseModel: c.config.baseModel, evalSet: c.config.evalSet, competition: c.config.name,
    ...(modelDir !== undefined ? { modelDir } : {}), ...(evalPath !== undefined ? { evalPath } : {}),
    ...(c.cache ? { cache: c.cache } : {}), ...(c.signal ? { signal: c.signal } : {}),
  })
}
