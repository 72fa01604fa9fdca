/** The ranking as a plain-text table, and the weights set on chain, for people. */
import type { RankingRow, U16Weights } from '../scoring/index.js'
import type { SendOutcome } from './send-weights.js'

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length))

export function formatRanking(rows: readonly RankingRow[], scoreLabel = 'win rate'): string {
  const head = ['uid', 'hotkey', 'eligibility', 'eval loss', scoreLabel, 'weight', 'reason']
  const body = rows.map((r) => [
    String(r.uid),
    `${r.hotkey.slice(0, 10)}…`,
    r.eligible ? 'scored' : r.code,
    r.loss === null ? '-' : r.loss.toFixed(4),
    r.score === null ? '-' : r.score.toFixed(3),
    r.weight.toFixed(4),
    r.eligible ? '' : r.reason,
  ])
  // the last column (free text) is not padded, nor is its rule longer than its title
  const widths = head.map((h, i) => (i === head.length - 1 ? h.length : Math.max(h.length, ...body.map((b) => b[i]!.length))))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd()
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')
}

export function formatWeights(weights: U16Weights, sent: SendOutcome): string {
  const pairs = weights.uids.map((uid, i) => `${uid}:${weights.values[i]}`).join(' ')
  const how = !('receipt' in sent)
    ? `${sent.status}: ${sent.reason}`
    : sent.revealRound !== undefined
      ? `committed timelocked in block ${sent.receipt.blockNumber}; the chain reveals them at drand round ${sent.revealRound} (about block ${sent.revealBlock})`
      : sent.via === 'commit_weights'
        ? `committed in block ${sent.receipt.blockNumber} (hash commit: this validator reveals it in the reveal epoch)`
        : `${sent.status} in block ${sent.receipt.blockNumber}`
  return `weights (uid:u16) ${pairs || '(none)'} — ${how}`
}
