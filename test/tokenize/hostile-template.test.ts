// Hostile chat templates: each fails the rows it is rendered for, alone, with its reason,
// while the other rows are tokenized and this process keeps running (timers fire during
// tokenization; before, nested loops blocked it for good and range(1e9) aborted it with
// a V8 "invalid size" error). Deterministic bounds (steps, string and list sizes, range)
// come first; the row time limit and the worker's heap limit catch the rest.
import { join } from 'node:path'
import t, { type Test } from 'tap'

import { CancelledError, CHATML_TEMPLATE, loadChatTokenizer, type ChatTokenizerOptions, type DatasetRow, type RowFailure, type RowFailureCode } from '../../lib/index.js'
import { repoRoot } from '../helpers/paths.js'

const fixture = join(repoRoot, 'test', 'fixtures', 'tokenize', 'chatml')
const row = (answer: string): DatasetRow => ({ system: null, conversations: [{ role: 'user', content: 'q' }, { role: 'assistant', content: answer }] })
const NESTED_LOOPS = '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}'
/** Each hostile part runs for the rows whose answer is its name; every other row renders as ChatML. */
const HOSTILE: Record<string, string> = {
  NESTED_LOOPS,
  HUGE_RANGE: '{% for i in range(1000000000) %}{% endfor %}',
  HUGE_STRING: "{% set ns = namespace(s='xy') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
  DOUBLED_LIST: '{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}',
  SPLIT_LIST: "{% set ns = namespace(s='a,') %}{% for i in range(21) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s.split(',')|length }}",
  RECURSION: '{{ f(0) }}',
}
const PRELUDE = '{% macro f(n) %}{% if n >= 0 %}{{ f(n + 1) }}{% endif %}{% endmacro %}'
const dispatch = (parts: Record<string, string>) =>
  `${PRELUDE}{% set answer = messages[-1]['content'] %}${Object.entries(parts).map(([name, part]) => `{% if answer == '${name}' %}${part}{% endif %}`).join('')}${CHATML_TEMPLATE}`

/** Tokenizes a fine row, each hostile row, and another fine row, counting timer ticks meanwhile. */
async function run(t: Test, parts: Record<string, string>, options: ChatTokenizerOptions = {}) {
  const tok = await loadChatTokenizer(fixture, { chatTemplate: dispatch(parts), ...options })
  t.teardown(() => tok.close())
  const names = Object.keys(parts)
  let ticks = 0
  const timer = setInterval(() => ticks++, 5)
  const r = await tok.tokenizeRows([row('fine'), ...names.map(row), row('also fine')]).finally(() => clearInterval(timer))
  t.same(r.rowIndex, [0, names.length + 1], 'the other rows are tokenized')
  t.ok(ticks > 0, 'timers ran while the rows were tokenized')
  t.equal((await tok.tokenizeRows([row('after')])).sequences.length, 1, 'the tokenizer still works afterwards')
  return new Map(r.failed.map((f) => [names[f.row - 1]!, f]))
}

let failed: Map<string, RowFailure>
t.before(async () => {
  failed = await run(t, HOSTILE)
})
const expect = (name: string, code: RowFailureCode, reason: RegExp) => (t: Test) => {
  t.match(failed.get(name), { code, reason })
  t.end()
}

t.test('nested range(100000) loops: the step bound', expect('NESTED_LOOPS', 'E_TEMPLATE_LIMIT', /more than 1000000 evaluation steps/))
t.test('range(1000000000): refused before the list is built', expect('HUGE_RANGE', 'E_TEMPLATE_LIMIT', /range\(\) of 1000000000 items, more than the limit of 1048576/))
t.test('a string doubled until it is huge: the string bound', expect('HUGE_STRING', 'E_TEMPLATE_LIMIT', /a string of \d+ characters, more than the limit of 8388608/))
t.test('a list doubled until it is huge: the step bound counts its items', expect('DOUBLED_LIST', 'E_TEMPLATE_LIMIT', /more than 1000000 evaluation steps/))
t.test('a string split into two million items: the list bound', expect('SPLIT_LIST', 'E_TEMPLATE_LIMIT', /a list of 2097153 items, more than the limit of 1048576/))
// @huggingface/jinja's variable lookup swallows the stack overflow, so it surfaces as `f` not being a function
t.test('endless recursion through a macro', expect('RECURSION', 'E_CHAT_TEMPLATE', /^the chat template failed: Cannot call something that is not a function/))

t.test('past the steps a time limit still ends the row: the worker is terminated', async (t) => {
  const f = await run(t, { NESTED_LOOPS }, { templateLimits: { maxSteps: Number.MAX_SAFE_INTEGER }, workerLimits: { rowTimeoutMs: 300 } })
  t.match(f.get('NESTED_LOOPS'), { code: 'E_TOKENIZE_TIMEOUT', reason: /took longer than the limit of 300 ms/ })
})

t.test('a template that fills the heap kills its worker only', async (t) => {
  const FILL = "{% set ns = namespace(l=[], s='x') %}{% for i in range(200) %}{% set ns.s = ns.s ~ ns.s if ns.s|length < 4000000 else ns.s %}{% set ns.l = ns.l + [(ns.s ~ i)|upper] %}{% endfor %}"
  const f = await run(t, { FILL }, { workerLimits: { heapMb: 128 } })
  t.match(f.get('FILL'), { code: 'E_TOKENIZE_WORKER', reason: /the tokenizer worker died on the row: it ran out of memory/ })
})

t.test('an AbortSignal stops tokenization at once, even in a row that would never end', async (t) => {
  const tok = await loadChatTokenizer(fixture, {
    chatTemplate: dispatch({ NESTED_LOOPS }),
    templateLimits: { maxSteps: Number.MAX_SAFE_INTEGER },
  })
  t.teardown(() => tok.close())
  await tok.tokenizeRows([row('warm')]) // a warm worker: the abort lands while it renders the looping row
  const controller = new AbortController()
  let fired = false
  // the timer can fire only if tokenizing leaves the event loop free
  setTimeout(() => {
    fired = true
    controller.abort()
  }, 100)
  const err = await tok.tokenizeRows([row('fine'), row('NESTED_LOOPS')], { signal: controller.signal }).catch((e: unknown) => e)
  t.ok(fired)
  t.ok(err instanceof CancelledError, 'rejects with CancelledError')
  t.match(err, { code: 'E_CANCELLED', message: 'tokenization was cancelled' })
  await t.rejects(tok.tokenizeRows([row('fine')], { signal: controller.signal }), CancelledError, 'an aborted signal stops it before it starts')
  t.equal((await tok.tokenizeRows([row('fine')])).sequences.length, 1, 'a new request gets a new worker')
})
