// The competition's files, resolved one way for the validator, its workers and the miner's
// preview: the base model snapshot and the eval set fetched pinned through the hub cache
// (here from a local-folder hub), ready to load; local ones when given.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

import { defaultCompetitionConfig, mergeCompetitionConfig } from '../../lib/config/index.js'
import { datasetRepo, HubCache, LocalHub, MissingEvalSetError, modelRepo, resolveCompetitionFiles } from '../../lib/hub/index.js'
import { countingRows, toJsonl } from '../../lib/local-subnet/index.js'
import { loadBaseModel } from '../../lib/native/model.js'
import { writeTinyModel } from '../../lib/tiny-model/index.js'

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
  const of = (c: typeof config) => ({ baseModel: c.baseModel, evalSet: c.evalSet, competition: c.name, cache })
  const got = await resolveCompetitionFiles(of(config))
  t.same([got.model, got.eval], [{ kind: 'hub', ref: `org/tiny-model@${modelSha}` }, { kind: 'hub', ref: `org/eval@${evalSha}/sets/eval.jsonl` }])
  t.match(got.modelDir, new RegExp(`models--org--tiny-model/snapshots/${modelSha}$`))
  t.notOk(readdirSync(got.modelDir).includes('README.md'), 'only the files a model needs')
  const loaded = await loadBaseModel(got.modelDir)
  t.equal(loaded.info.architecture, 'Qwen2ForCausalLM')
  loaded.dispose()
  t.equal(readFileSync(got.evalPath, 'utf8'), toJsonl(countingRows(5, 1)))

  await t.rejects(resolveCompetitionFiles(of(defaultCompetitionConfig)), MissingEvalSetError, 'no eval set named')
  const local = await resolveCompetitionFiles({ ...of(defaultCompetitionConfig), modelDir: modelSrc, evalPath: join(dir, 'e.jsonl') })
  t.same(local, { modelDir: modelSrc, evalPath: join(dir, 'e.jsonl'), model: { kind: 'local', ref: modelSrc }, eval: { kind: 'local', ref: join(dir, 'e.jsonl') } }, 'local files are used as given, nothing fetched')
})
