/**
 * A tokenizer worker: renders and tokenizes rows off the caller's event loop, one
 * request at a time, answering row by row so the caller can time each row and
 * terminate the worker on one that runs too long. It holds the RowTokenizers of the
 * ChatTokenizers it was asked to load, by key.
 */
import { parentPort } from 'node:worker_threads'

import { ChatTemplateError, TemplateLimitError } from './errors.js'
import { RowTokenizer } from './row-tokenizer.js'
import type { Failed, WorkerReply, WorkerRequest } from './worker-protocol.js'

const port = parentPort!
const tokenizers = new Map<number, RowTokenizer>()

function failed(err: unknown): Failed {
  const reason = err instanceof Error ? err.message : String(err)
  if (err instanceof TemplateLimitError) return { ok: false, code: 'E_TEMPLATE_LIMIT', reason }
  if (err instanceof ChatTemplateError) return { ok: false, code: 'E_CHAT_TEMPLATE', reason }
  return { ok: false, code: 'E_TOKENIZER', reason: `the tokenizer failed: ${reason}` }
}

const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer)

function core(key: number): RowTokenizer {
  const t = tokenizers.get(key)
  if (!t) throw new Error(`tokenizer ${key} is not loaded in this worker`)
  return t
}

port.on('message', (req: WorkerRequest) => {
  switch (req.kind) {
    case 'load': {
      let error: string | null = null
      try {
        tokenizers.set(req.key, new RowTokenizer(req.init.files, req.init.options, req.init.limits))
      } catch (err) {
        error = err instanceof Error ? err.message : String(err)
      }
      post({ id: req.id, kind: 'loaded', error })
      return
    }
    case 'unload':
      tokenizers.delete(req.key)
      return
    case 'render': {
      let reply: WorkerReply
      try {
        const t = core(req.key)
        const chat = req.addGenerationPrompt ? { text: t.render(req.row, true), spans: [] } : t.renderWithSpans(req.row)
        reply = { id: req.id, kind: 'rendered', outcome: { ok: true, chat } }
      } catch (err) {
        reply = { id: req.id, kind: 'rendered', outcome: failed(err) }
      }
      post(reply)
      return
    }
    case 'tokenize': {
      req.rows.forEach((row, i) => {
        const index = req.first + i
        try {
          const t = core(req.key).tokenizeRow(row, req.maxSeqLen)
          post({ id: req.id, kind: 'row', index, outcome: { ok: true, row: t } }, [t.tokens.buffer as ArrayBuffer, t.lossMask.buffer as ArrayBuffer])
        } catch (err) {
          post({ id: req.id, kind: 'row', index, outcome: failed(err) })
        }
      })
      post({ id: req.id, kind: 'done' })
    }
  }
})

post({ id: 0, kind: 'ready' })
