// Template selection, special tokens, truncation bookkeeping and failures of the chat tokenizer.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'

import { CHATML_TEMPLATE, ChatTemplateError, ChatTokenizer, TokenizerError, loadChatTokenizer, type DatasetRow } from '../../lib/index.js'
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
  const rendered = await tok.render(row('Hi', 'Yo'), { addGenerationPrompt: false })
  t.ok(rendered.startsWith('<|begin_of_text|><|start_header_id|>user'), 'bos_token reaches the template')
  t.equal((await tok.tokenizeRow(row('Hi', 'Yo'))).tokens.filter((x) => x === tok.specialIds.bos).length, 1, 'no second BOS added by the tokenizer')
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
  t.equal(await tok.render(row('a', 'b')), '[user]a[assistant]b<|im_end|>', 'trim_blocks drops the newline after a block tag, as in HF')
  tok = await loadChatTokenizer(dir, { templateName: 'tool_use' })
  t.equal(await tok.render(row('a', 'b')), 'TOOLS')
  await t.rejects(loadChatTokenizer(dir, { templateName: 'nope' }), TokenizerError)
  await writeFile(join(dir, 'chat_template.jinja'), '{% for m in messages %}<{{ m.content }}>{% endfor %}')
  tok = await loadChatTokenizer(dir)
  t.equal(tok.templateSource, 'chat_template.jinja')
  t.equal(await tok.render(row('a', 'b')), '<a><b>')
  tok = await loadChatTokenizer(dir, { chatTemplate: simple })
  t.equal(tok.templateSource, 'option')
  const def = await loadChatTokenizer(join(fixtures, 'chatml-notemplate'))
  t.equal(await def.render({ system: 'S', conversations: [{ role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }] }), '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nu<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n')
})

t.test('the mask covers assistant content and end-of-turn, nothing else', async (t) => {
  const tok = await loadChatTokenizer(join(fixtures, 'chatml'))
  const r = row('Hello', 'Paris is the capital.', 'Thanks', 'You are welcome.')
  const { tokens, lossMask } = await tok.tokenizeRow(r)
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
  const full = (await tok.tokenizeRow(short)).tokens.length
  const r = await tok.tokenizeRows([short, longUser, longBoth], { maxSeqLen: 64 })
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
  await t.rejects(tok.tokenizeRows([short], { maxSeqLen: 1 }), { code: 'E_INVALID_ARGUMENT' })
  t.same(r.failed, [])
})

t.test('a row the template fails on fails alone, with its reason; the others are tokenized', async (t) => {
  const failing = "{% if messages[1]['content'] == 'bad' %}{{ raise_exception('no assistants here') }}{% endif %}" + CHATML_TEMPLATE
  const tok = await loadChatTokenizer(join(fixtures, 'chatml'), { chatTemplate: failing })
  t.teardown(() => tok.close())
  const r = await tok.tokenizeRows([row('a', 'b'), row('c', 'bad'), row('e', 'f')])
  t.same(r.rowIndex, [0, 2])
  t.same(r.failed, [{ row: 1, code: 'E_CHAT_TEMPLATE', reason: 'the chat template failed: no assistants here' }])
  await t.rejects(tok.tokenizeRow(row('c', 'bad')), { name: 'ChatTemplateError', code: 'E_CHAT_TEMPLATE', message: /no assistants here/ })
  await t.rejects(tok.render(row('c', 'bad')), ChatTemplateError)
  t.throws(() => new ChatTokenizer({ tokenizerJson: {}, tokenizerConfig: {}, templateFile: null }), TokenizerError)
  await t.rejects(loadChatTokenizer(join(fixtures, 'chatml'), { chatTemplate: '{% for %}' }), ChatTemplateError)
})

t.test('templates that render earlier turns differently once later ones follow', async (t) => {
  // marks the last message: rendering a prefix of the conversation is not a prefix of rendering it whole
  const unstable = "{% for m in messages %}{% if loop.last %}[last]{% endif %}{{ m['content'] }}<|im_end|>\n{% endfor %}"
  const tok = await loadChatTokenizer(join(fixtures, 'chatml'), { chatTemplate: unstable })
  t.teardown(() => tok.close())
  const r = await tok.renderWithSpans(row('a', 'b', 'c', 'd'))
  t.equal(r.text, 'a<|im_end|>\nb<|im_end|>\nc<|im_end|>\n[last]d<|im_end|>\n')
  t.same(r.spans.map(([s, e]) => r.text.slice(s, e)), ['b<|im_end|>', 'd<|im_end|>'], 'content and end-of-turn token; not the [last] marker')
  // renders an assistant message twice: no span can be taken from it
  const twice = "{% for m in messages %}{{ m['content'] }}{% endfor %}{{ messages[-1]['content'] }}"
  const tok2 = await loadChatTokenizer(join(fixtures, 'chatml'), { chatTemplate: twice })
  t.teardown(() => tok2.close())
  const r2 = await tok2.tokenizeRows([row('a', 'b')])
  t.match(r2.failed, [{ row: 0, code: 'E_CHAT_TEMPLATE', message: undefined, reason: /renders conversations\[1\] more than once/ }])
  // renders no assistant content at all: nothing to train on, the row is refused
  const silent = "{% for m in messages %}{% if m['role'] == 'user' %}{{ m['content'] }}{% endif %}{% endfor %}"
  const tok3 = await loadChatTokenizer(join(fixtures, 'chatml'), { chatTemplate: silent })
  t.teardown(() => tok3.close())
  const r3 = await tok3.tokenizeRows([row('a', 'b')])
  t.same(r3.sequences, [])
  t.same(r3.droppedRows, [0], 'no target: dropped, as a row cut to nothing by truncation is')
})

t.test('content that looks like the sentinels the turns are located with', async (t) => {
  const tok = await loadChatTokenizer(join(fixtures, 'chatml'))
  t.teardown(() => tok.close())
  const first = '\uE000flock-assistant-turn\uE001'
  const r = await tok.tokenizeRows([
    row('q', first), // an answer that is the first sentinel
    row(first, 'a'), // a question that holds it
    row('q', `\uE000${first}x\uE001`), // starts and ends like it
    row(`${first} ${first}`, first, 'again', `${first}!`),
  ])
  t.same(r.failed, [])
  const answers = r.sequences.map((seq) => {
    const parts: string[] = []
    let cur: number[] = []
    seq.lossMask.forEach((m, i) => {
      if (m) cur.push(seq.tokens[i]!)
      else if (cur.length) parts.push(tok.decode(cur.splice(0)))
    })
    return parts
  })
  t.same(answers, [
    [`${first}<|im_end|>`],
    ['a<|im_end|>'],
    [`\uE000${first}x\uE001<|im_end|>`],
    [`${first}<|im_end|>`, `${first}!<|im_end|>`],
  ])
})

t.test('missing or broken tokenizer files', async (t) => {
  await t.rejects(loadChatTokenizer('/nonexistent/model'), { code: 'E_TOKENIZER', message: /tokenizer\.json: cannot read/ })
  const dir = await copyFixture(t, 'chatml')
  await writeFile(join(dir, 'tokenizer.json'), '{ not json')
  await t.rejects(loadChatTokenizer(dir), { code: 'E_TOKENIZER', message: /tokenizer\.json: invalid JSON/ })
})
