/** Human-readable renderings of the miner's results (the `--json` forms are the objects themselves). */
import type { DatasetReport } from './dataset-file.js'
import type { FileSource } from '../hub/index.js'
import type { PreviewResult } from './preview.js'
import type { SubmitResult } from './submit.js'

/** Two aligned columns. */
export function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n'
}

const kb = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`)
const secs = (s: number) => `${s.toFixed(2)} s`

function tokenizedNote(r: DatasetReport): string {
  const t = r.tokenized
  if (t === null) return ''
  const dropped = t.noTargets > 0 ? `; ${t.noTargets} row(s) have no assistant token within ${t.maxSeqLen} tokens and would be dropped` : ''
  return `\n  every row tokenized with ${t.tokenizer}: ${t.rows - t.failed} of ${t.rows} ok${dropped}`
}

export function formatDatasetReport(r: DatasetReport): string {
  if (r.ok) return `${r.path}: valid — ${r.rows} row${r.rows === 1 ? "" : "s"}, ${kb(r.bytes)}, content hash ${r.contentHash}${tokenizedNote(r)}\n`
  const count = `${r.issues.length}${r.issuesTruncated ? '+' : ''}`
  const lines = r.issues.map((i) => `  ${i.message}  [${i.code}]`)
  const more = r.issuesTruncated ? ['  ... stopped at the cap; fix these and run again for the rest'] : []
  return [`${r.path}: INVALID — ${count} problem(s)`, ...lines, ...more].join('\n') + tokenizedNote(r) + '\n'
}

export interface PreviewShown {
  /** the loss is exactly what validators compute (the commitment's seed, the competition's files) */
  validatorsLoss: boolean
  notes: readonly string[]
  model: FileSource
  eval: FileSource
}

const loss = (x: number) => x.toFixed(6)

export function formatPreview(r: PreviewResult, shown: PreviewShown): string {
  const b = r.budget
  const headline: Array<[string, string]> =
    r.seedSource === 'commitment'
      ? [['eval loss', `${loss(r.evalLoss)}${shown.validatorsLoss ? ' — what validators compute for your commitment' : ''}`],
         ['seed', `${r.runs[0]!.seed} (from the hash of block ${r.commitment!.block}, where your commitment is)`]]
      : r.seedSource === 'option'
        ? [['eval loss', loss(r.evalLoss)], ['seed', `${r.runs[0]!.seed} (given)`]]
        : [['eval loss', `${loss(r.evalLoss)} mean of ${r.runs.length} seed draw${r.runs.length === 1 ? '' : 's'} (min ${loss(r.min)}, max ${loss(r.max)})`],
           ['seeds', `${r.runs.map((x) => loss(x.evalLoss)).join(', ')}: validators will compute one such draw, seeded by the hash of the block your commitment lands in`]]
  const rows: Array<[string, string]> = [
    ...headline,
    ['definition', `${r.evalLossDefinition}: ${r.evalLossMeaning}`],
    ['baseline loss', r.baselineLoss === null ? '-' : `${loss(r.baselineLoss)} (the base model, untrained)`],
    ['dataset hash', r.datasetHash],
    ['eval set hash', r.evalSetHash],
    ['budget', `${b.optimizerSteps} optimizer steps (by ${b.limitedBy}) on ${b.rowsSampled} of ${b.rowsAvailable} rows, ${b.epochs.toFixed(2)} passes${b.repeated ? ' (a small dataset repeated)' : ''}`],
    ['tokens', `${r.tokens.trainTokens} trained (${r.tokens.trainTruncated} rows truncated, ${r.tokens.trainDropped} dropped); eval ${r.tokens.evalSequences} examples`],
    ['config', r.config],
    ['device', r.device],
    ['model', `${shown.model.ref} (${shown.model.kind})`],
    ['eval set', `${shown.eval.ref} (${shown.eval.kind})`],
  ]
  const t = r.timings
  rows.push(['timings', `load ${secs(t.loadSeconds)}, read ${secs(t.readSeconds)}, tokenize ${secs(t.tokenizeSeconds)}, train ${secs(t.trainSeconds)}, eval ${secs(t.evalSeconds)}, total ${secs(t.totalSeconds)} (first run)`])
  for (const n of shown.notes) rows.push(['note', n])
  return table(rows)
}

function space(r: SubmitResult): string {
  const s = r.space
  return `${s.used} of ${s.max} bytes used this epoch${s.deposit === null ? '' : `; deposit held ${s.deposit} rao`}`
}

export function formatSubmit(r: SubmitResult): string {
  if (r.status === 'unchanged') {
    return (
      `Nothing to do: hotkey ${r.hotkey} already committed this dataset (content hash ${r.contentHash}) in block ${r.block}.\n` +
      table([['commitment', r.commitment], ['commitment space', space(r)]])
    )
  }
  return (
    `Submitted: ${r.rows} row${r.rows === 1 ? "" : "s"} to ${r.repo} and committed on chain in block ${r.block}.\n` +
    table([
      ['hf repo', `datasets/${r.repo}${r.createdRepo ? ' (created)' : ''}`],
      ['hf commit', `${r.sha} (${r.path}, sha256 ${r.fileSha256})`],
      ['content hash', r.contentHash],
      ['hotkey', `${r.hotkey} (uid ${r.uid})`],
      ['commitment', r.revealRound !== undefined ? `${r.commitment} (timelocked: hidden until drand round ${r.revealRound})` : r.commitment],
      ['replaced', r.replaced ?? '-'],
      ['block', `${r.block} (${r.blockHash})`],
      ['cost', `${r.charged} bytes of this epoch's commitment space`],
      ['commitment space', space(r)],
    ])
  )
}
