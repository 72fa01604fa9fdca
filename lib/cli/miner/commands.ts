/** The commands: each builds its objects, runs one lib/miner function and prints the result. */
import { writeFile } from 'node:fs/promises'

import { competitionEvalPath, competitionFiles } from '../competition.js'
import type { CompetitionConfig } from '../../config/index.js'
import { DatasetError } from '../../dataset/index.js'
import { type ChatTokenizer, loadChatTokenizer } from '../../tokenize/index.js'
import { type CheckedDataset, checkDataset, readAndCheckDataset } from '../../miner/dataset-file.js'
import { committedContentHash } from '../../miner/committed-content.js'
import { formatDatasetReport, formatPreview, formatSubmit } from '../../miner/format.js'
import { previewDataset, type PreviewSeeds } from '../../miner/preview.js'
import { createProgressReporter } from '../../miner/progress.js'
import { MinerError } from '../../miner/errors.js'
import { selectRows } from '../../miner/select.js'
import { submitDataset } from '../../miner/submit.js'
import { competitionConfig, competitionOf, type Context, hotkeyOf, hub, hubCache, readingChain, signingChain, walletGiven } from './context.js'

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n'
}

function print(ctx: Context, value: object, text: string): void {
  ctx.io.stdout.write(ctx.args.json ? toJson(value) : text)
}

const signal = (ctx: Context) => (ctx.io.signal ? { signal: ctx.io.signal } : {})

/** --model, else with --local the local model; else no tokenizer (the schema and limits only). Call after competitionConfig (which writes the local model). */
async function validationTokenizer(ctx: Context): Promise<{ tokenizer: ChatTokenizer; name: string } | null> {
  const dir = ctx.args.model ? ctx.path(ctx.args.model) : (ctx.local?.model ?? null)
  return dir === null ? null : { tokenizer: await loadChatTokenizer(dir), name: dir }
}

export async function validateCommand(ctx: Context): Promise<number> {
  const config = await competitionConfig(ctx)
  const tokenizer = await validationTokenizer(ctx)
  try {
    const report = await checkDataset({
      path: ctx.path(ctx.args.dataset_path), config, maxIssues: ctx.args.max_issues, ...signal(ctx),
      ...(tokenizer ? { tokenizer: { ...tokenizer, onStart: (rows) => ctx.log.debug({ rows, tokenizer: tokenizer.name }, 'validate: tokenizing every row') } } : {}),
    })
    print(ctx, report, formatDatasetReport(report))
    return report.ok ? 0 : 1
  } finally {
    await tokenizer?.tokenizer.close()
  }
}

async function validDataset(ctx: Context, path: string, config: CompetitionConfig): Promise<CheckedDataset> {
  const checked = await readAndCheckDataset({ path, config, ...signal(ctx) })
  if (!checked.report.ok) throw new DatasetError(checked.report.issues, checked.report.issuesTruncated)
  return checked
}

/**
 * The seeds validators use: with the wallet flags, the hotkey's commitment of this content
 * gives them (its block hash); otherwise, or when it commits other content, `--seeds` draws.
 */
async function previewSeeds(ctx: Context, contentHash: string, config: CompetitionConfig, notes: string[]): Promise<PreviewSeeds> {
  const draws: PreviewSeeds = { source: 'draws', count: ctx.args.seeds }
  if (ctx.args.seed !== undefined) return { source: 'option', seed: BigInt(ctx.args.seed) }
  if (!walletGiven(ctx)) {
    notes.push('not looked up on chain (give the wallet flags to use your commitment\'s seed)')
    return draws
  }
  const hotkey = await hotkeyOf(ctx)
  const chain = await readingChain(ctx)
  try {
    const record = await chain.commitmentOf(ctx.args.netuid, hotkey.address)
    if (!record) {
      notes.push(`hotkey ${hotkey.address} has no commitment on subnet ${ctx.args.netuid} yet`)
      return draws
    }
    const { rules } = await competitionOf(ctx)
    const cache = hubCache(ctx, hub(ctx))
    const contentHashOf = (c: Parameters<typeof committedContentHash>[1]) => committedContentHash(cache, c, config, ctx.io.signal)
    if (!(await rules.commitment.committedContent(record.text, contentHash, hotkey.address, contentHashOf))) {
      notes.push(`the commitment of hotkey ${hotkey.address} (block ${record.block}) is for other content than this file`)
      return draws
    }
    return { source: 'commitment', block: record.block, blockHash: await chain.blockHash(record.block), commitment: record.text! }
  } finally {
    await chain.close()
  }
}

/** The base model and eval set the competition scores with, or the local ones the flags name. */
async function filesFor(ctx: Context, notes: string[]) {
  const { args } = ctx
  const competition = await competitionOf(ctx)
  const modelDir = args.model ? ctx.path(args.model) : undefined
  const evalPath = args.eval_path ? ctx.path(args.eval_path) : undefined
  const files = await competitionFiles({
    competition, local: ctx.local, ...(modelDir ? { modelDir } : {}), ...(evalPath ? { evalPath } : {}),
    cache: hubCache(ctx, hub(ctx)), ...signal(ctx),
  })
  if (modelDir !== undefined && modelDir !== ctx.local?.model) notes.push(`--model ${modelDir} is not the competition's base model: validators may compute another loss`)
  if (evalPath !== undefined && evalPath !== ctx.local?.evalSet) notes.push(`--eval_path ${evalPath} is not the competition's eval set: validators may compute another loss`)
  return files
}

export async function previewCommand(ctx: Context): Promise<number> {
  const { args } = ctx
  const config = await competitionConfig(ctx)
  const datasetPath = ctx.path(args.dataset_path)
  // before downloading a model for it
  const checked = await validDataset(ctx, datasetPath, config)
  const notes: string[] = []
  const seeds = await previewSeeds(ctx, checked.report.contentHash!, config, notes)
  const files = await filesFor(ctx, notes)
  if (seeds.source === 'option') notes.push('--seed given: validators seed from the hash of your commitment\'s block instead')
  const progress = createProgressReporter({ stream: ctx.io.stderr, logger: ctx.log })
  let result
  try {
    result = await previewDataset({
      datasetPath, checked, modelDir: files.modelDir, evalPath: files.evalPath, config, seeds, numThreads: args.threads,
      onProgress: (p) => progress.onProgress(p), ...signal(ctx),
    })
  } finally {
    progress.stop()
  }
  const validatorsLoss = seeds.source === 'commitment' && notes.length === 0
  print(ctx, { ...result, validatorsLoss, notes, assets: { model: files.model, eval: files.eval } }, formatPreview(result, { validatorsLoss, notes, model: files.model, eval: files.eval }))
  return 0
}

export async function submitCommand(ctx: Context): Promise<number> {
  const { args } = ctx
  const { config, rules } = await competitionOf(ctx)
  const datasetPath = ctx.path(args.dataset_path)
  const at = new Date()
  // before any wallet, hub or chain work
  const checked = await validDataset(ctx, datasetPath, config)
  const target = hub(ctx) // a malformed token fails here, before connecting to the chain
  const cache = hubCache(ctx, target)
  const eligible = await rules.checkSubmission({ datasetPath, evalPath: async () => competitionEvalPath({ competition: { config, rules }, local: ctx.local, cache, ...signal(ctx) }), at, ...signal(ctx) })
  if (!eligible.ok) throw new MinerError('E_NOT_ELIGIBLE', eligible.reason)
  const chain = await signingChain(ctx)
  try {
    const result = await submitDataset({
      datasetPath,
      checked,
      repoId: args.hf_repo_id!,
      hub: target,
      chain,
      netuid: args.netuid,
      config,
      commitment: rules.commitment,
      cache,
      at,
      logger: ctx.log,
      ...(args.private !== undefined ? { private: args.private } : {}),
      ...(args.timelock_blocks !== undefined ? { timelockBlocks: args.timelock_blocks } : {}),
      ...signal(ctx),
    })
    print(ctx, { ...result, notes: eligible.notes }, formatSubmit(result, eligible.notes))
    return 0
  } finally {
    await chain.close()
  }
}

export async function selectCommand(ctx: Context): Promise<number> {
  const { args } = ctx
  const { config, rules } = await competitionOf(ctx)
  if (rules.selectionSize === null)
    throw new MinerError('E_NOT_ELIGIBLE', `select chooses rows of the eval set, for competitions whose miners submit a selection of it (--config flock-off-s1); ${config.name} takes the miner's own dataset`)
  const notes: string[] = []
  const files = await filesFor(ctx, notes)
  const out = ctx.path(args.out!)
  const result = await selectRows({
    evalPath: files.evalPath, modelDir: files.modelDir, config, size: rules.selectionSize,
    timeBudgetMs: Math.round(args.time_budget! * 1000), swap: args.swap!, seeds: args.seeds, searchSeed: args.search_seed!, numThreads: args.threads,
    ...(args.candidates !== undefined ? { maxCandidates: args.candidates } : {}),
    onCandidate: (c) => ctx.io.stderr.write(`candidate ${c.index + 1}: eval loss ${c.loss.toFixed(6)}${c.kept ? ' (best so far)' : ''} in ${c.seconds.toFixed(1)} s\n`),
    ...signal(ctx),
  })
  await writeFile(out, result.lines.join('\n') + '\n')
  // the written file, checked as submit and the validators check it
  const check = await rules.checkSubmission({ datasetPath: out, evalPath: async () => files.evalPath, at: new Date(), ...signal(ctx) })
  if (!check.ok) throw new MinerError('E_NOT_ELIGIBLE', `the selection written to ${out} does not pass: ${check.reason}`)
  const summary = {
    out, rows: result.lines.length, evalLoss: result.loss, firstLoss: result.firstLoss, candidates: result.candidates.length,
    kept: result.candidates.filter((c) => c.kept).length, evalRows: result.evalRows, seconds: result.seconds, notes,
    assets: { model: files.model, eval: files.eval },
  }
  const text = [
    `Selected ${summary.rows} of the eval set's ${summary.evalRows} rows: ${out}`,
    `eval loss ${summary.evalLoss.toFixed(6)} (the first random selection: ${summary.firstLoss.toFixed(6)}), best of ${summary.candidates} candidates in ${summary.seconds.toFixed(1)} s`,
    `model ${files.model.ref} (${files.model.kind}); eval set ${files.eval.ref} (${files.eval.kind})`,
    ...notes.map((n) => `note: ${n}`),
    `next: flock-miner submit --config ${config.name} --dataset_path ${out} --hf_repo_id <you/name> (in the submission window, 12:00-12:30 UTC)`,
  ].join('\n') + '\n'
  print(ctx, summary, text)
  return 0
}
