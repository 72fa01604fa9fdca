// Template selection, special tokens, truncation bookkeeping and failures of the chat tokenizer.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'

import { ChatTemplateError, ChatTokenizer, TokenizerError, loadChatTokenizer, type DatasetRow } from '../../lib/index.js'
import { repoRoot } from '../helpers/paths.js'

const fixtures = join(repoRoot, 'test', 'fixtures', 'tokenize')
const row = (...turns: string[]): DatasetRow => ({ system: null, conversations: turns.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content })) })

async function copyFixture(t: Test, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flock-tok-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await cp(join(fixtures, name), dir, { recursive: true })
  return dir
}

async function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): Promise<void> {
  const p = join(dir, 'tokenizer_config.json')
  const c = JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>
  edit(c)
  await writeFile(p, JSON.stringify(c))
}

t.test('special tokens and vocabulary bounds', async (t) => {
  const tok = await loadChatTokenizer(join(fixtures, 'llama3'))
  t.same(tok.special, { bos: '<|begin_of_text|>', eos: '<|eot_id|>', pad: '<|end_of_text|>', unk: null })
  t.equal(tok.specialIds.bos, tok.encode('<|begin_of_text|>')[0])
  t.equal(tok.specialIds.eos, tok.encode('<|eot_id|>')[0])
  const ids = tok.encode('Hello 😀 ' + '<|eot_id|>')
  t.ok(ids.every((i) => i <= tok.maxTokenId))
  t.equal(tok.decode(ids), 'Hello 😀 <|eot_id|>')
  const rendered = tok.render(row('Hi', 'Yo'), { addGenerationPrompt: false })
  t.ok(rendered.startsWith('<|begin_of_text|><|start_header_id|>user'), 'bos_token reaches the template')
  t.equal(tok.tokenizeRow(row('Hi', 'Yo')).tokens.filter((x) => x === tok.specialIds.bos).length, 1, 'no second BOS added by the tokenizer')
})

t.test('special tokens written as AddedToken objects', async (t) => {
  const dir = await copyFixture(t, 'llama3')
  await editConfig(dir, (c) => (c['bos_token'] = { __type: 'AddedToken', content: '<|begin_of_text|>', lstrip: false }))
  const tok = await loadChatTokenizer(dir)
  t.equal(tok.special.bos, '<|begin_of_text|>')
})

t.test('template selection: chat_template.jinja, named lists, option, ChatML default', async (t) => {
  const dir = await copyFixture(t, 'chatml')
  const simple = "{% for m in messages %}[{{ m['role'] }}]{{ m['content'] }}{% if m['role'] == 'assistant' %}<|im_end|>{% endif %}\n{% endfor %}"
  await editConfig(dir, (c) => (c['chat_template'] = [{ name: 'default', template: simple }, { name: 'tool_use', template: 'TOOLS' }]))
  let tok = await loadChatTokenizer(dir)
  t.equal(tok.render(row('a', 'b')), '[user]a[assistant]b<|im_end|>', 'trim_blocks drops the newline after a block tag, as in HF')
  tok = await loadChatTokenizer(dir, { templateName: 'tool_use' })
  t.equal(tok.render(row('a', 'b')), 'TOOLS')
  await t.rejects(loadChatTokenizer(dir, { templateName: 'nope' }), TokenizerError)
  await writeFile(join(dir, 'chat_template.jinja'), '{% for m in messages %}<{{ m.content }}>{% endfor %}')
  tok = await loadChatTokenizer(dir)
  t.equal(tok.templateSource, 'chat_template.jinja')
  t.equal(tok.render(row('a', 'b')), '<a><b>')
  tok = await loadChatTokenizer(dir, { chatTemplate: simple })
  t.equal(tok.templateSource, 'option')
  const def = await loadChatTokenizer(join(fixtures, 'chatml-notemplate'))
  t.equal(def.render({ system: 'S', conversations: [{ role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }] }), '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nu<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n')
})

t.test('the mask covers assistant content and end-of-turn, nothing else', async (t) => {
  const tok = await loadChatTokenizer(join(fixtures, 'chatml'))
  const r = row('Hello', 'Paris is the capital.', 'Thanks', 'You are welcome.')
  const { tokens, lossMask } = tok.tokenizeRow(r)
  const masked: number[][] = []
  let cur: number[] = []
  lossMask.forEach((m, i) => {
    if (m) cur.push(tokens[i]!)
    else if (cur.length) masked.push(cur.splice(0))
  })
  if (cur.length) masked.push(cur)
  t.same(masked.map((ids) => tok.decode(ids)), ['Paris is the capital.<|im_end|>', 'You are welcome.<|im_end|>'])
})

t.test('tokenizeRows truncates, drops rows left without targets and counts them', async (t) => {
  const tok = await loadChatTokenizer(join(fixtures, 'chatml'))
  const short = row('Hi', 'Yo')
  const longUser = row('word '.repeat(200), 'late answer')
  const longBoth = row('Hi', 'the sea '.repeat(100))
  const full = tok.tokenizeRow(short).tokens.length
  const r = tok.tokenizeRows([short, longUser, longBoth], { maxSeqLen: 64 })
  t.ok(full <= 64)
  t.equal(r.rows, 3)
  t.equal(r.truncated, 2)
  t.equal(r.dropped, 1)
  t.same(r.droppedRows, [1])
  t.same(r.rowIndex, [0, 2])
  t.equal(r.sequences[1]!.tokens.length, 64)
  t.equal(r.sequences[1]!.lossMask[63], 1, 'the cut assistant turn keeps its remaining tokens')
  t.equal(r.tokens, full + 64)
  t.equal(r.targetTokens, r.sequences.reduce((a, s) => a + s.numTargets, 0))
  t.throws(() => tok.tokenizeRows([short], { maxSeqLen: 1 }), { code: 'E_INVALID_ARGUMENT' })
})

t.test('templates that fail or rewrite earlier turns give ChatTemplateError naming the row', async (t) => {
  const tok = await loadChatTokenizer(join(fixtures, 'chatml'), { chatTemplate: "{{ raise_exception('no assistants here') }}" })
  t.throws(() => tok.tokenizeRows([row('a', 'b')]), { name: 'ChatTemplateError', code: 'E_CHAT_TEMPLATE', message: /^row 0: the chat template failed: no assistants here/ })
  // renders the last message differently (like templates that strip reasoning from earlier turns)
  const unstable = "{% for m in messages %}{% if loop.last %}[last]{% endif %}{{ m['content'] }}\n{% endfor %}"
  const tok2 = await loadChatTokenizer(join(fixtures, 'chatml'), { chatTemplate: unstable })
  t.throws(() => tok2.tokenizeRows([row('a', 'b'), row('c', 'd', 'e', 'f')]), { message: /^row 0: the chat template is not prefix-stable at message 1/ })
  t.throws(() => new ChatTokenizer({ tokenizerJson: {}, tokenizerConfig: {}, templateFile: null }), TokenizerError)
  await t.rejects(loadChatTokenizer(join(fixtures, 'chatml'), { chatTemplate: '{% for %}' }), ChatTemplateError)
})

t.test('missing or broken tokenizer files', async (t) => {
  await t.rejects(loadChatTokenizer('/nonexistent/model'), { code: 'E_TOKENIZER', message: /tokenizer\.json: cannot read/ })
  const dir = await copyFixture(t, 'chatml')
  await writeFile(join(dir, 'tokenizer.json'), '{ not json')
  await t.rejects(loadChatTokenizer(dir), { code: 'E_TOKENIZER', message: /tokenizer\.json: invalid JSON/ })
})
