/**
 * A model folder whose chat template refuses some rows: the tiny model, with a template
 * that raises on any message containing REFUSED_MARKER and otherwise renders as before.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { type DatasetRow, writeTinyModel } from '../../lib/index.js'

export const REFUSED_MARKER = 'UNTOKENIZABLE'
export const REFUSAL = 'the template refuses this row'

/** Prepends the refusal to a template. */
export function refusingTemplate(template: string): string {
  return `{% for m in messages %}{% if '${REFUSED_MARKER}' in m['content'] %}{{ raise_exception('${REFUSAL}') }}{% endif %}{% endfor %}${template}`
}

/** Rewrites the chat template of a model folder to refuse rows with the marker. */
export async function makeTemplateRefuse(dir: string): Promise<void> {
  const path = join(dir, 'tokenizer_config.json')
  const config = JSON.parse(await readFile(path, 'utf8')) as { chat_template: string }
  await writeFile(path, JSON.stringify({ ...config, chat_template: refusingTemplate(config.chat_template) }))
}

export async function writeRefusingTinyModel(dir: string, seed = 1): Promise<void> {
  await writeTinyModel(dir, { arch: 'qwen2', seed })
  await makeTemplateRefuse(dir)
}

/** The row with the marker in its assistant answer. */
export function refusedRow(row: DatasetRow): DatasetRow {
  return { ...row, conversations: row.conversations.map((m, i) => (i === row.conversations.length - 1 ? { ...m, content: `${m.content} ${REFUSED_MARKER}` } : m)) }
}
