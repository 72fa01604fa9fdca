/**
 * A tiny byte-level BPE tokenizer in Hugging Face's tokenizer.json format,
 * shaped like Qwen2's (NFC, Qwen split regex) or Llama 3's (its split regex,
 * ignore_merges, a BOS post-processor). Every byte is a token, so any text
 * encodes; merges spell out a fixed word list, so common words are one token.
 */
import { BYTE_TO_CHAR, toByteLevel } from './byte-level.js'
import { TINY_CHATML_TEMPLATE, TINY_LLAMA3_TEMPLATE } from './templates.js'

export type TinyArch = 'qwen2' | 'llama'

const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
const LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

const WORDS = (
  'the of and to a in is you that it he was for on are as with his they I at be this have from or one had by word but not what all were we ' +
  'when your can said there use an each which she do how their if will up other about out many then them these so some her would make like ' +
  'him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day ' +
  'did get come made may part hello hi thanks thank please help question answer sure yes here colour color blue red green sky sea cat dog ' +
  'user assistant system helpful brief name what why where because capital France Paris city river mountain book read learn code function ' +
  'return value number add sum two three four five six seven eight nine ten good great fine today weather sun rain ' +
  'Hello Hi You What The Yes No Thanks Sure Paris'
).split(' ')

const PUNCT = ['.', ',', '!', '?', ':', '\n', '\n\n', '  ', '.\n', '?\n']

interface Built {
  vocab: Record<string, number>
  merges: Array<[string, string]>
}

/** Byte-pair encoding of one word with the merges so far (lowest rank first), as HF applies them. */
function encodeWord(chars: string[], ranks: Map<string, number>): string[] {
  const parts = [...chars]
  for (;;) {
    let best = -1
    let bestRank = Infinity
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(`${parts[i]} ${parts[i + 1]}`)
      if (r !== undefined && r < bestRank) {
        bestRank = r
        best = i
      }
    }
    if (best < 0) return parts
    parts.splice(best, 2, parts[best]! + parts[best + 1]!)
  }
}

/**
 * Adds merges joining each piece's current tokens left to right, so the piece
 * becomes one token. New merges rank after all earlier ones, so pieces added
 * before stay one token. Deterministic.
 */
function buildBpe(): Built {
  const vocab: Record<string, number> = {}
  BYTE_TO_CHAR.forEach((c, b) => (vocab[c] = b))
  let next = 256
  const merges: Array<[string, string]> = []
  const ranks = new Map<string, number>()
  const add = (piece: string): void => {
    const parts = encodeWord(Array.from(toByteLevel(piece)), ranks)
    let cur = parts[0]!
    for (const p of parts.slice(1)) {
      const merged = cur + p
      ranks.set(`${cur} ${p}`, merges.length)
      merges.push([cur, p])
      if (!(merged in vocab)) vocab[merged] = next++
      cur = merged
    }
  }
  for (const w of WORDS) {
    add(w)
    add(' ' + w)
  }
  for (const p of PUNCT) add(p)
  return { vocab, merges }
}

export interface TinyTokenizerFiles {
  tokenizerJson: Record<string, unknown>
  tokenizerConfig: Record<string, unknown>
  /** the largest token id the tokenizer can emit */
  maxTokenId: number
  bosTokenId: number | null
  eosTokenId: number
}

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }
}

export function buildTinyTokenizer(arch: TinyArch): TinyTokenizerFiles {
  const { vocab, merges } = buildBpe()
  const base = Object.keys(vocab).length
  const specials =
    arch === 'qwen2'
      ? ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
      : ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>']
  const added = specials.map((s, i) => addedToken(base + i, s))
  const id = (s: string): number => added.find((a) => a.content === s)!.id
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }
  const split = { type: 'Split', pattern: { Regex: arch === 'qwen2' ? QWEN2_SPLIT : LLAMA3_SPLIT }, behavior: 'Isolated', invert: false }
  const postProcessor =
    arch === 'qwen2'
      ? byteLevel
      : {
          type: 'Sequence',
          processors: [
            byteLevel,
            {
              type: 'TemplateProcessing',
              single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
              pair: [
                { SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } },
                { Sequence: { id: 'A', type_id: 0 } },
                { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } },
                { Sequence: { id: 'B', type_id: 1 } },
              ],
              special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [id('<|begin_of_text|>')], tokens: ['<|begin_of_text|>'] } },
            },
          ],
        }
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: arch === 'qwen2' ? { type: 'NFC' } : null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [split, byteLevel] },
    post_processor: postProcessor,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: arch === 'llama',
      vocab,
      merges,
    },
  }
  const bos = arch === 'qwen2' ? null : '<|begin_of_text|>'
  const eos = arch === 'qwen2' ? '<|im_end|>' : '<|eot_id|>'
  const tokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: bos,
    eos_token: eos,
    pad_token: arch === 'qwen2' ? '<|endoftext|>' : '<|end_of_text|>',
    unk_token: null,
    model_max_length: 2048,
    clean_up_tokenization_spaces: false,
    added_tokens_decoder: Object.fromEntries(added.map(({ id: i, ...rest }) => [String(i), rest])),
    chat_template: arch === 'qwen2' ? TINY_CHATML_TEMPLATE : TINY_LLAMA3_TEMPLATE,
  }
  return { tokenizerJson, tokenizerConfig, maxTokenId: base + added.length - 1, bosTokenId: bos ? id(bos) : null, eosTokenId: id(eos) }
}
