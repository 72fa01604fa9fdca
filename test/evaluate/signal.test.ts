// The score means something: on a tiny model, training on rows drawn from the eval
// distribution gives a lower eval loss than training on off-topic rows or on
// shuffled-character garbage, for fixed seeds.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { evaluateDataset, loadBaseModel, loadChatTokenizer, mergeCompetitionConfig, defaultCompetitionConfig, prepareEvalSet, writeTinyModel } from '../../lib/index.js'
import { colorRows, countingRows, shuffledRows } from '../helpers/chat-data.js'

t.test('on-topic < off-topic and < garbage', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-signal-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await writeTinyModel(dir, { arch: 'qwen2', seed: 3 })
  const model = await loadBaseModel(dir, { numThreads: 2 })
  t.teardown(() => model.dispose())
  const tokenizer = await loadChatTokenizer(dir)
  const config = mergeCompetitionConfig(defaultCompetitionConfig, {
    lora: { r: 8, alpha: 16, dropout: 0 },
    training: { learningRate: 5e-3, warmupSteps: 2, microBatchSize: 4, gradAccumSteps: 1, maxSeqLen: 128 },
    budget: { maxTrainRows: 64, optimizerSteps: 30 },
  })
  const evalSet = await prepareEvalSet(tokenizer, countingRows(40, 1), { maxSeqLen: 128 })
  const score = async (train: unknown[]) =>
    (await evaluateDataset({ model, tokenizer, train, eval: evalSet, config, seed: 7, baseline: true })).evalLoss
  const onTopic = await score(countingRows(64, 2))
  const offTopic = await score(colorRows(64, 3))
  const garbage = await score(shuffledRows(countingRows(64, 2), 4))
  const base = (await evaluateDataset({ model, tokenizer, train: countingRows(8, 5), eval: evalSet, config, seed: 7, baseline: true })).baseline!.exampleMean
  t.comment(`eval loss: base ${base.toFixed(4)}, on-topic ${onTopic.toFixed(4)}, off-topic ${offTopic.toFixed(4)}, garbage ${garbage.toFixed(4)}`)
  t.ok(onTopic < offTopic, `on-topic ${onTopic} < off-topic ${offTopic}`)
  t.ok(onTopic < garbage, `on-topic ${onTopic} < garbage ${garbage}`)
  t.ok(onTopic < base, 'training on the eval distribution improves on the base model')
})
