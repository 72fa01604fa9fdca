// The live FLock validator's own chat rendering (flock-off-s1's training.chatFormat): token ids
// and loss masks equal those of its SFTDataset algorithm run with HF transformers' tokenizer
// (test/reference/make_stripped_chatml_reference.py: stripped contents, each piece encoded
// on its own, the loss on the assistant content plus "<|im_end|>\n", cut to max_seq_length).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'

import { ChatTokenizer, pythonStrip, strippedChatmlPieces, type DatasetRow } from '../../lib/index.js'
import { repoRoot } from '../helpers/paths.js'

const fixtures = join(repoRoot, 'test', 'fixtures', 'tokenize')
const expected = JSON.parse(await readFile(join(fixtures, 'stripped-chatml.json'), 'utf8')) as {
  cases: Array<{ row: DatasetRow; maxSeqLen: number; ids: number[]; mask: number[] }>
}
const tok = await ChatTokenizer.fromModelDir(join(fixtures, 'chatml'))
t.teardown(() => tok.close())

t.test('ids and masks equal the live algorithm with transformers\' tokenizer', async (t) => {
  t.ok(expected.cases.length >= 5)
  for (const [i, c] of expected.cases.entries()) {
    const r = await tok.tokenizeRow(c.row, { maxSeqLen: c.maxSeqLen, format: 'stripped-chatml' })
    t.same([...r.tokens], c.ids, `case ${i}: token ids`)
    t.same([...r.lossMask], c.mask, `case ${i}: loss mask`)
    t.equal(r.truncated, c.maxSeqLen < 4096, `case ${i}: truncated`)
    t.equal(r.numTargets, c.mask.slice(1).reduce((a, b) => a + b, 0), `case ${i}: targets`)
  }
})

t.test('the loss covers the assistant content, <|im_end|> and the newline after it; nothing else', async (t) => {
  const row = expected.cases[0]!.row
  const r = await tok.tokenizeRow(row, { format: 'stripped-chatml' })
  const target = [...r.tokens].filter((_, i) => r.lossMask[i] === 1)
  t.equal(tok.decode(target), '42 comes after 41.<|im_end|>\n')
  t.same(strippedChatmlPieces(row).map((p) => p.target), [false, true])
  const template = await tok.tokenizeRow(row)
  t.not([...template.tokens].join(','), [...r.tokens].join(','), 'the model\'s template (a default system prompt) renders otherwise')
})

t.test('pythonStrip strips what Python\'s str.strip() strips', async (t) => {
  t.equal(pythonStrip('\u001c\u0085 x \u3000\u2029'), 'x', 'U+001C and U+0085 are whitespace to Python')
  t.equal(pythonStrip('\ufeffx\ufeff'), '\ufeffx\ufeff', 'U+FEFF is not (JS trim() strips it)')
  t.equal(pythonStrip(' \t\n'), '')
})
