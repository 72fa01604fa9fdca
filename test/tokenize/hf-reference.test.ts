// Token ids and assistant masks equal HF transformers' apply_chat_template
// (fixtures made by test/reference/make_tokenize_reference.py), for ChatML and
// Llama 3 templates, trained tokenizers and the tiny-model writer's.
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { ChatTokenizer, writeTinyModel, type DatasetRow, type TinyArch } from '../../lib/index.js'
import { repoRoot } from '../helpers/paths.js'

interface Result {
  text: string
  ids: number[]
  mask: number[]
}
interface Case {
  name: string
  folder?: string
  tinyModel?: { arch: TinyArch; seed: number }
  tokenizerSha256?: string
  results: Result[]
  truncation: Array<{ maxLength: number; ids: number[]; mask: number[] }>
}
const fixtures = join(repoRoot, 'test', 'fixtures', 'tokenize')
const expected = JSON.parse(await readFile(join(fixtures, 'expected.json'), 'utf8')) as {
  generator: string
  conversations: DatasetRow[]
  truncateConversation: number
  cases: Case[]
}

t.ok(expected.cases.some((c) => c.name === 'chatml') && expected.cases.some((c) => c.name === 'llama3'), `fixtures from ${expected.generator}`)

for (const c of expected.cases) {
  t.test(c.name, async (t) => {
    let dir: string
    if (c.tinyModel) {
      dir = await mkdtemp(join(tmpdir(), 'flock-tok-'))
      t.teardown(() => rm(dir, { recursive: true, force: true }))
      await writeTinyModel(dir, c.tinyModel)
      const sha = createHash('sha256').update(await readFile(join(dir, 'tokenizer.json'))).digest('hex')
      t.equal(sha, c.tokenizerSha256, 'the tiny-model writer still writes the tokenizer the fixture was made from (else rerun make_tokenize_reference.py)')
    } else dir = join(fixtures, c.folder!)
    const tok = await ChatTokenizer.fromModelDir(dir)
    if (c.name === 'chatml-notemplate') t.equal(tok.templateSource, 'chatml-default')
    else t.equal(tok.templateSource, 'tokenizer_config.json')

    for (const [i, row] of expected.conversations.entries()) {
      const ref = c.results[i]!
      t.equal(await tok.render(row), ref.text, `conversation ${i}: rendered text`)
      const got = await tok.tokenizeRow(row)
      t.same(Array.from(got.tokens), ref.ids, `conversation ${i}: token ids`)
      t.same(Array.from(got.lossMask), ref.mask, `conversation ${i}: assistant mask`)
      t.equal(got.truncated, false)
      t.equal(got.numTargets, ref.mask.slice(1).reduce((a, b) => a + b, 0))
    }

    const long = expected.conversations[expected.truncateConversation]!
    for (const tr of c.truncation) {
      const got = await tok.tokenizeRow(long, { maxSeqLen: tr.maxLength })
      t.same(Array.from(got.tokens), tr.ids, `truncated to ${tr.maxLength}: token ids`)
      t.same(Array.from(got.lossMask), tr.mask, `truncated to ${tr.maxLength}: assistant mask`)
      t.equal(got.truncated, true)
    }
  })
}
