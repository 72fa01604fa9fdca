/**
 * The tokenizer files of a Hugging Face model folder: tokenizer.json,
 * tokenizer_config.json (special tokens, chat_template) and, as transformers
 * writes it since 4.43, chat_template.jinja (which wins over the config's).
 */
import { join } from 'node:path'

import { readTextCapped } from '../util/read-capped.js'
import { TokenizerError } from './errors.js'

/**
 * The cap on every JSON or text file of a model folder that is read whole (the native loader
 * caps config.json at the same 64 MiB). The largest tokenizer.json of a supported
 * architecture is under 20 MB.
 */
export const MODEL_TEXT_FILE_MAX_BYTES = 64 * 1024 * 1024

export type TemplateSource = 'chat_template.jinja' | 'tokenizer_config.json' | 'chatml-default' | 'option'

export interface SpecialTokens {
  bos: string | null
  eos: string | null
  pad: string | null
  unk: string | null
}

async function readJson(path: string, required: boolean): Promise<Record<string, unknown> | null> {
  let text: string
  try {
    text = await readTextCapped(path, MODEL_TEXT_FILE_MAX_BYTES)
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new TokenizerError(`${path}: cannot read (${(err as Error).message})`, { cause: err })
  }
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw new TokenizerError(`${path}: invalid JSON (${(err as Error).message})`, { cause: err })
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TokenizerError(`${path}: expected a JSON object`)
  return v as Record<string, unknown>
}

export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>
  tokenizerConfig: Record<string, unknown>
  /** chat_template.jinja's text, if the folder has one */
  templateFile: string | null
}

export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const tokenizerJson = (await readJson(join(dir, 'tokenizer.json'), true))!
  const tokenizerConfig = (await readJson(join(dir, 'tokenizer_config.json'), false)) ?? {}
  let templateFile: string | null = null
  try {
    templateFile = await readTextCapped(join(dir, 'chat_template.jinja'), MODEL_TEXT_FILE_MAX_BYTES)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new TokenizerError(`${join(dir, 'chat_template.jinja')}: cannot read`, { cause: err })
  }
  return { tokenizerJson, tokenizerConfig, templateFile }
}

/** A special token in tokenizer_config.json is a string, an AddedToken object {content, ...}, or null. */
function tokenText(config: Record<string, unknown>, key: string): string | null {
  const v = config[key]
  if (v === undefined || v === null) return null
  if (typeof v === 'string') return v
  if (typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content
  throw new TokenizerError(`tokenizer_config.json: ${key} must be a string, {"content": string} or null`)
}

export function specialTokens(config: Record<string, unknown>): SpecialTokens {
  return { bos: tokenText(config, 'bos_token'), eos: tokenText(config, 'eos_token'), pad: tokenText(config, 'pad_token'), unk: tokenText(config, 'unk_token') }
}

/**
 * The template to use, as transformers picks it: chat_template.jinja, else
 * tokenizer_config's chat_template (a string, or a list of {name, template}
 * from which `name` or "default" is taken); null when the model has none.
 */
export function pickChatTemplate(files: TokenizerFiles, name?: string): { template: string; source: TemplateSource } | null {
  if (files.templateFile !== null && name === undefined) return { template: files.templateFile, source: 'chat_template.jinja' }
  const t = files.tokenizerConfig['chat_template']
  if (t === undefined || t === null) return null
  if (typeof t === 'string') return { template: t, source: 'tokenizer_config.json' }
  if (Array.isArray(t)) {
    const named = new Map<string, string>()
    for (const e of t) {
      const n = (e as { name?: unknown })?.name
      const tpl = (e as { template?: unknown })?.template
      if (typeof n !== 'string' || typeof tpl !== 'string') throw new TokenizerError('tokenizer_config.json: chat_template list entries must be {"name": string, "template": string}')
      named.set(n, tpl)
    }
    const want = name ?? 'default'
    const tpl = named.get(want)
    if (tpl === undefined) throw new TokenizerError(`tokenizer_config.json: no chat template named "${want}" (has: ${[...named.keys()].join(', ')})`)
    return { template: tpl, source: 'tokenizer_config.json' }
  }
  throw new TokenizerError('tokenizer_config.json: chat_template must be a string or a list of {name, template}')
}
