/**
 * The base model and eval set a preview trains and evaluates with: local ones when given,
 * else those the competition config names, fetched at their pinned revisions through the
 * hub cache (a file already cached costs no network).
 */
import type { CompetitionConfig } from '../config/index.js'
import { datasetRepo, type HubCache, modelRepo } from '../hub/index.js'
import { MinerError } from './errors.js'

/** What a model folder needs: config, weights (sharded or not), tokenizer and chat template. */
const MODEL_FILE = /^(config\.json|model(-\d+-of-\d+)?\.safetensors|model\.safetensors\.index\.json|tokenizer\.json|tokenizer_config\.json|chat_template\.jinja)$/

/** Refuse eval files larger than this before downloading them. */
const MAX_EVAL_BYTES = 1024 ** 3

export interface AssetSource {
  kind: 'local' | 'hub'
  /** the local path, or `repo@revision/file` */
  ref: string
}

export interface PreviewAssets {
  modelDir: string
  evalPath: string
  model: AssetSource
  eval: AssetSource
}

export interface ResolveAssetsOptions {
  config: CompetitionConfig
  /** a model folder to use instead of the config's base model */
  modelDir?: string
  /** an eval JSONL file to use instead of the config's eval set */
  evalPath?: string
  /** needed when either one comes from the hub */
  cache?: HubCache
  signal?: AbortSignal
}

export async function resolvePreviewAssets(options: ResolveAssetsOptions): Promise<PreviewAssets> {
  const evalSet = await resolveEvalSet(options)
  const model = await resolveModel(options)
  return { modelDir: model.path, evalPath: evalSet.path, model: model.source, eval: evalSet.source }
}

type Resolved = { path: string; source: AssetSource }

async function resolveEvalSet(options: ResolveAssetsOptions): Promise<Resolved> {
  if (options.evalPath) return { path: options.evalPath, source: { kind: 'local', ref: options.evalPath } }
  const { config } = options
  const set = config.evalSet
  if (!set)
    throw new MinerError('E_NO_EVAL_SET', `the competition config "${config.name}" names no eval set: pass --eval_path FILE (JSONL, the dataset format)`)
  const cached = await needCache(options.cache).downloadFile({
    repo: datasetRepo(set.repo), sha: set.revision, path: set.file, maxBytes: MAX_EVAL_BYTES, ...(options.signal ? { signal: options.signal } : {}),
  })
  return { path: cached.file, source: { kind: 'hub', ref: `${set.repo}@${set.revision}/${set.file}` } }
}

async function resolveModel(options: ResolveAssetsOptions): Promise<Resolved> {
  if (options.modelDir) return { path: options.modelDir, source: { kind: 'local', ref: options.modelDir } }
  const { repo, revision } = options.config.baseModel
  const snapshot = await needCache(options.cache).downloadSnapshot({
    repo: modelRepo(repo), sha: revision, include: (p) => MODEL_FILE.test(p), ...(options.signal ? { signal: options.signal } : {}),
  })
  return { path: snapshot.dir, source: { kind: 'hub', ref: `${repo}@${revision}` } }
}

function needCache(cache: HubCache | undefined): HubCache {
  if (!cache) throw new TypeError('resolvePreviewAssets: a hub cache is needed to fetch from the hub')
  return cache
}
