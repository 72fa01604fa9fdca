// Bench token sequences: ids in range, the stated loss mask, the same ids from the
// TypeScript generator and the Python reference's port of it.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

import { benchSequences, LOSS_MASK_RULE } from '../../lib/bench/index.js'
import { Mulberry32 } from '../../lib/bench/mulberry32.js'
import { repoRoot } from '../helpers/paths.js'

t.test('mulberry32 gives the published sequence', async (t) => {
  // the widely quoted first outputs of mulberry32(1)() (u32 / 2^32)
  const r = new Mulberry32(1)
  t.same([r.uint32(), r.uint32(), r.uint32()].map((u) => u / 2 ** 32), [0.6270739405881613, 0.002735721180215478, 0.5274470399599522])
})

t.test('sequences: ids in [0, vocab), loss on the last 3/4, deterministic', async (t) => {
  const seqs = benchSequences(3, 10, 151936, 7)
  t.equal(seqs.length, 3)
  for (const s of seqs) {
    t.equal(s.tokens.length, 10)
    t.same(Array.from(s.lossMask), [0, 0, 1, 1, 1, 1, 1, 1, 1, 1], 'floor(10/4) = 2 positions without loss')
    t.ok(s.tokens.every((x) => x >= 0 && x < 151936))
  }
  t.same(benchSequences(3, 10, 151936, 7), seqs, 'same seed, same ids')
  t.notSame(benchSequences(3, 10, 151936, 8)[0]!.tokens, seqs[0]!.tokens)
  t.notSame(seqs[0]!.tokens, seqs[1]!.tokens, 'sequences differ from each other')
  t.match(LOSS_MASK_RULE, /last 3\/4/)
})

const hasPython = await promisify(execFile)('python3', ['--version']).then(
  () => true,
  () => false,
)

t.test('the PEFT reference draws the same ids', { skip: hasPython ? false : 'no python3 on this machine' }, async (t) => {
  const python = 'python3'
  const script = join(repoRoot, 'bench', 'reference', 'peft_bench.py')
  const { stdout } = await promisify(execFile)(python, [script, '--dump-tokens', '--mode', 'train', '--seq', '37', '--steps', '3', '--vocab', '151936', '--seed', '4242'])
  const ids = JSON.parse(stdout) as number[][]
  t.same(
    ids,
    benchSequences(4, 37, 151936, 4242).map((s) => Array.from(s.tokens)),
    'warm-up + 3 sequences, id for id',
  )
})
