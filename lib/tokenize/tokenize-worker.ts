/**
 * The tokenizer worker: renders and tokenizes rows off the caller's event loop,
 * one request at a time, answering row by row so the caller can time each row
 * and terminate the worker on one that runs too long.
 */
import { parentPort, workerData } from 'node:worker_threads'

import { ChatTemplateError, TemplateLimitError } from './errors.js'
import { RowTokenizer } from './row-tokenizer.js'
import type { Failed, WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.js'

const port = parentPort!
const init = workerData as WorkerInit
const core = new RowTokenizer(init.files, init.options, init.limits)

function failed(err: unknown): Failed {
  const reason = err instanceof Error ? err.message : String(err)
  if (err instanceof TemplateLimitError) return { ok: false, code: 'E_TEMPLATE_LIMIT', reason }
  if (err instanceof ChatTemplateError) return { ok: false, code: 'E_CHAT_TEMPLATE', reason }
  return { ok: false, code: 'E_TOKENIZER', reason: `the tokenizer failed: ${reason}` }
}

const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer)

port.on('message', (req: WorkerRequest) => {
  if (req.kind === 'render') {
    let reply: WorkerReply
    try {
      const chat = req.addGenerationPrompt ? { text: core.render(req.row, true), spans: [] } : core.renderWithSpans(req.row)
      reply = { id: req.id, kind: 'rendered', outcome: { ok: true, chat } }
    } catch (err) {
      reply = { id: req.id, kind: 'rendered', outcome: failed(err) }
    }
    post(reply)
    return
  }
  req.rows.forEach((row, i) => {
    const index = req.first + i
    try {
      const t = core.tokenizeRow(row, req.maxSeqLen)
      post({ id: req.id, kind: 'row', index, outcome: { ok: true, row: t } }, [t.tokens.buffer as ArrayBuffer, t.lossMask.buffer as ArrayBuffer])
    } catch (err) {
      post({ id: req.id, kind: 'row', index, outcome: failed(err) })
    }
  })
  post({ id: req.id, kind: 'done' })
})

post({ id: 0, kind: 'ready' })
