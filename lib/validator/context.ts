/**
 * Identities the validator keys its work by.
 * A result belongs to one commitment (hotkey, block, text) under one evaluation context
 * (what the loss depends on besides the dataset: competition config, eval set, model),
 * so a changed commitment or a new eval set is evaluated afresh, and nothing else is.
 */
import { createHash } from 'node:crypto'

import type { CompetitionConfig } from '../config/index.js'

const sha256 = (...parts: string[]): string => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p).update('\0')
  return h.digest('hex')
}

export function evaluationContext(config: CompetitionConfig, evalSetHash: string, model: string): string {
  return sha256('flock-eval-context-v1', JSON.stringify(config), evalSetHash, model).slice(0, 16)
}

export function commitmentId(hotkey: string, commitBlock: number, text: string | null): string {
  return sha256('flock-commitment-v1', hotkey, String(commitBlock), text ?? '\u0000null').slice(0, 32)
}

export const resultKey = (context: string, commitment: string): string => `${context}/${commitment}`
