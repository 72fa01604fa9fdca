// The README's evaluateDataset example is examples/evaluate-dataset.mjs verbatim, and it runs.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

import { repoRoot } from '../helpers/paths.js'

t.test('README example', async (t) => {
  const example = readFileSync(join(repoRoot, 'examples', 'evaluate-dataset.mjs'), 'utf8')
  t.ok(readFileSync(join(repoRoot, 'README.md'), 'utf8').includes(example), 'README shows the example file verbatim')
  const out = execFileSync(process.execPath, [join(repoRoot, 'examples', 'evaluate-dataset.mjs')], { encoding: 'utf8', cwd: repoRoot })
  t.match(out, /^eval loss \d+\.\d{4} \(example-mean\), base model \d+\.\d{4}\n10 steps over 40 rows, dataset [0-9a-f]{12}\n$/)
})
