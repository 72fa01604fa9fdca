// Score a chat dataset the way validators do (runs on the CPU in a few seconds).
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { defaultCompetitionConfig, evaluateDataset, mergeCompetitionConfig, writeTinyModel } from '@flock/lora'

const modelDir = await mkdtemp(join(tmpdir(), 'tiny-model-'))
await writeTinyModel(modelDir, { seed: 1 }) // a tiny random Qwen2 with a ChatML tokenizer

const row = (n) => ({
  system: null,
  conversations: [
    { role: 'user', content: `What comes after ${n}?` },
    { role: 'assistant', content: `${n + 1} comes after ${n}.` },
  ],
})
const train = Array.from({ length: 40 }, (_, i) => row(i))
const evalRows = Array.from({ length: 10 }, (_, i) => row(50 + i))

// The live subnet's settings, with a smaller budget for a quick local run.
const config = mergeCompetitionConfig(defaultCompetitionConfig, {
  training: { maxSeqLen: 128 },
  budget: { maxTrainRows: 40, optimizerSteps: 10 },
})
const result = await evaluateDataset({ model: modelDir, train, eval: evalRows, config, seed: 42, baseline: true })
console.log(`eval loss ${result.evalLoss.toFixed(4)} (${result.evalLossDefinition}), base model ${result.baseline.exampleMean.toFixed(4)}`)
console.log(`${result.budget.optimizerSteps} steps over ${result.budget.sequences} rows, dataset ${result.datasetHash.slice(0, 12)}`)
