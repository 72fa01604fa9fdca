/**
 * The files a competition scores with — the base model snapshot and the eval set, pinned
 * to commit shas — resolved one way for every tool (the validator, its workers, the
 * miner's preview): a local folder or file when one is given, else fetched through the
 * HF-layout cache (a model already in ~/.cache/huggingface is not downloaded again).
 */
import { FlockError } from '../errors.js'
import type { HubCache } from './hub-cache.js'
import { datasetRepo, modelRepo } from './repo-id.js'

/** What a model folder needs: config, weights (sharded or not), tokenizer and chat template. */
const MODEL_FILE = /^(config\.json|generation_config\.json|model(-\d+-of-\d+)?\.safetensors|model\.safetensors\.index\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|chat_template\.jinja)$/

/** An eval file larger than this is refused before downloading. */
export const MAX_EVAL_SET_BYTES = 1024 ** 3

/** The competition config names no eval set and no local one was given, so there is nothing to score against (E_NO_EVAL_SET). */
export class MissingEvalSetError extends FlockError {
  constructor(competition: string) {
    super('E_NO_EVAL_SET', `the competition config ${JSON.stringify(competition)} names no eval set (evalSet is null): name one in the config, or give a local JSONL file (flock-miner --eval_path, flock-validator worker --eval.path)`)
  }
}

export interface PinnedRepo {
  repo: string
  revision: string
}

export interface PinnedFile extends PinnedRepo {
  file: string
}

export interface FileSource {
  kind: 'local' | 'hub'
  /** the local path, or `repo@revision[/file]` */
  ref: string
}

export interface CompetitionFiles {
  modelDir: string
  evalPath: string
  model: FileSource
  eval: FileSource
}

export interface ResolveCompetitionFilesOptions {
  baseModel: PinnedRepo
  /** null when the competition names none: then `evalPath` must be given */
  evalSet: PinnedFile | null
  /** the competition's name, for the error when it names no eval set */
  competition: string
  /** a local model folder instead of the competition's base model */
  modelDir?: string
  /** a local eval JSONL file instead of the competition's eval set */
  evalPath?: string
  /** needed when either comes from the hub */
  cache?: HubCache
  signal?: AbortSignal
}

/** The pinned eval set file, downloaded (size-capped) into the hub cache. */
export async function fetchEvalSet(cache: HubCache, set: PinnedFile, signal?: AbortSignal): Promise<string> {
  const file = await cache.downloadFile({ repo: datasetRepo(set.repo), sha: set.revision, path: set.file, maxBytes: MAX_EVAL_SET_BYTES, ...(signal ? { signal } : {}) })
  return file.file
}

function hubCacheOf(o: Pick<ResolveCompetitionFilesOptions, 'cache'>): HubCache {
  if (!o.cache) throw new TypeError('resolveCompetitionFiles: a hub cache is needed to fetch from the hub')
  return o.cache
}

/** The eval half of resolveCompetitionFiles: for callers that need the eval set and not the model. */
export async function resolveEvalSetFile(o: Omit<ResolveCompetitionFilesOptions, 'baseModel' | 'modelDir'>): Promise<{ evalPath: string; eval: FileSource }> {
  if (o.evalPath !== undefined) return { evalPath: o.evalPath, eval: { kind: 'local', ref: o.evalPath } }
  const set = o.evalSet
  if (!set) throw new MissingEvalSetError(o.competition)
  return { evalPath: await fetchEvalSet(hubCacheOf(o), set, o.signal), eval: { kind: 'hub', ref: `${set.repo}@${set.revision}/${set.file}` } }
}

export async function resolveCompetitionFiles(o: ResolveCompetitionFilesOptions): Promise<CompetitionFiles> {
  const signal = o.signal ? { signal: o.signal } : {}
  const { evalPath, eval: evalSource } = await resolveEvalSetFile(o)
  if (o.modelDir !== undefined) return { modelDir: o.modelDir, evalPath, model: { kind: 'local', ref: o.modelDir }, eval: evalSource }
  const { repo, revision } = o.baseModel
  const snapshot = await hubCacheOf(o).downloadSnapshot({ repo: modelRepo(repo), sha: revision, include: (p) => MODEL_FILE.test(p), ...signal })
  return { modelDir: snapshot.dir, evalPath, model: { kind: 'hub', ref: `${repo}@${revision}` }, eval: evalSource }
}
