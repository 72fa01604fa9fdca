/**
 * The competition's files on the real network: the base model snapshot and the eval set,
 * pinned to the config's commit shas, through the HF-layout cache (a model already in
 * ~/.cache/huggingface is not downloaded again).
 */
import type { CompetitionConfig } from '../config/index.js'
import { FlockError } from '../errors.js'
import type { DatasetSource } from '../dataset/index.js'
import { datasetRepo, modelRepo, type HubCache } from '../hub/index.js'

const MODEL_FILE = /(^|\/)(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|[^/]*\.safetensors|model\.safetensors\.index\.json)$/
const MAX_EVAL_BYTES = 2 ** 31 - 1

/** The competition config names no eval set, so there is nothing to score against (E_NO_EVAL_SET). */
export class MissingEvalSetError extends FlockError {
  constructor(config: string) {
    super('E_NO_EVAL_SET', `competition config ${JSON.stringify(config)} names no eval set (evalSet is null): pass a --config that names one`)
  }
}

export async function fetchCompetitionFiles(cache: HubCache, config: CompetitionConfig, signal?: AbortSignal): Promise<{ modelDir: string; evalSet: DatasetSource }> {
  if (!config.evalSet) throw new MissingEvalSetError(config.name)
  const snapshot = await cache.downloadSnapshot({
    repo: modelRepo(config.baseModel.repo), sha: config.baseModel.revision, include: (p) => MODEL_FILE.test(p), ...(signal ? { signal } : {}),
  })
  const evalFile = await cache.downloadFile({
    repo: datasetRepo(config.evalSet.repo), sha: config.evalSet.revision, path: config.evalSet.file, maxBytes: MAX_EVAL_BYTES, ...(signal ? { signal } : {}),
  })
  return { modelDir: snapshot.dir, evalSet: { path: evalFile.file } }
}
