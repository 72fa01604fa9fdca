/**
 * Model folders whose chat template refuses some rows: the tiny model, with a template
 * that raises (or loops past every bound) on any message containing REFUSED_MARKER and
 * otherwise renders as before.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { type DatasetRow, writeTinyModel } from '../../lib/index.js'

export const REFUSED_MARKER = 'UNTOKENIZABLE'
export const REFUSAL = 'the template refuses this row'

const whenMarked = (jinja: string) => `{% for m in messages %}{% if '${REFUSED_MARKER}' in m['content'] %}${jinja}{% endif %}{% endfor %}`
const REFUSE = whenMarked(`{{ raise_exception('${REFUSAL}') }}`)
/** nested loops: about a million steps, the default bound, a second or more per render */
const LOOP = whenMarked('{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}')

/** Rewrites the chat template of a model folder to refuse rows with the marker (or to loop on them). */
export async function makeTemplateRefuse(dir: string, how: 'raise' | 'loop' = 'raise'): Promise<void> {
  const path = join(dir, 'tokenizer_config.json')
  const config = JSON.parse(await readFile(path, 'utf8')) as { chat_template: string }
  await writeFile(path, JSON.stringify({ ...config, chat_template: (how === 'raise' ? REFUSE : LOOP) + config.chat_template }))
}

export async function writeRefusingTinyModel(dir: string, seed = 1): Promise<void> {
  await writeTinyModel(dir, { arch: 'qwen2', seed })
  await makeTemplateRefuse(dir)
}

/** The row with the marker in its assistant answer. */
export function refusedRow(row: DatasetRow): DatasetRow {
  return { ...row, conversations: row.conversations.map((m, i) => (i === row.conversations.length - 1 ? { ...m, content: `${m.content} ${REFUSED_MARKER}` } : m)) }
}
