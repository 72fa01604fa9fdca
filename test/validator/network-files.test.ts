// The competition's files on the network path: the base model snapshot and the eval set,
// fetched pinned through the hub cache (here from a local-folder hub), ready to load.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

import { defaultCompetitionConfig, mergeCompetitionConfig } from '../../lib/config/index.js'
import { datasetRepo, HubCache, LocalHub, modelRepo } from '../../lib/hub/index.js'
import { countingRows, toJsonl } from '../../lib/local/index.js'
import { loadBaseModel } from '../../lib/model.js'
import { writeTinyModel } from '../../lib/tiny-model/index.js'
import { fetchCompetitionFiles, MissingEvalSetError } from '../../lib/validator/network-files.js'

t.test('base model snapshot and eval set, pinned to the config\'s shas', async (t) => {
  const dir = t.testdir({})
  const modelSrc = join(dir, 'src-model')
  await writeTinyModel(modelSrc, { seed: 4 })
  const hub = new LocalHub(join(dir, 'hub'))
  const model = modelRepo('org/tiny-model')
  await hub.ensureRepo(model)
  const files = readdirSync(modelSrc).map((f) => ({ path: f, content: new Blob([readFileSync(join(modelSrc, f))]) }))
  const modelSha = await hub.commitFiles(model, [...files, { path: 'README.md', content: new Blob(['not needed']) }], 'model')
  const evalRepo = datasetRepo('org/eval')
  await hub.ensureRepo(evalRepo)
  const evalSha = await hub.commitFiles(evalRepo, [{ path: 'sets/eval.jsonl', content: new Blob([toJsonl(countingRows(5, 1))]) }], 'eval')

  const config = mergeCompetitionConfig(defaultCompetitionConfig, {
    baseModel: { repo: 'org/tiny-model', revision: modelSha },
    evalSet: { repo: 'org/eval', revision: evalSha, file: 'sets/eval.jsonl' },
  })
  const cache = new HubCache({ hub, cacheDir: join(dir, 'cache') })
  const got = await fetchCompetitionFiles(cache, config)
  t.match(got.modelDir, new RegExp(`models--org--tiny-model/snapshots/${modelSha}$`))
  t.notOk(readdirSync(got.modelDir).includes('README.md'), 'only the files a model needs')
  const loaded = await loadBaseModel(got.modelDir)
  t.equal(loaded.info.architecture, 'Qwen2ForCausalLM')
  loaded.dispose()
  t.equal(readFileSync((got.evalSet as { path: string }).path, 'utf8'), toJsonl(countingRows(5, 1)))

  await t.rejects(fetchCompetitionFiles(cache, defaultCompetitionConfig), MissingEvalSetError, 'no eval set named')
})
