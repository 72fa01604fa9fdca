/** The three commands: each builds its objects, runs one lib/miner function and prints the result. */
import { commitmentOfContent } from '../../chain/index.js'
import { competitionFiles } from '../../cli/competition.js'
import type { CompetitionConfig } from '../../config/index.js'
import { DatasetError } from '../../dataset/index.js'
import { type ChatTokenizer, loadChatTokenizer } from '../../tokenize/index.js'
import { type CheckedDataset, checkDataset, readAndCheckDataset } from '../dataset-file.js'
import { formatDatasetReport, formatPreview, formatSubmit } from '../format.js'
import { previewDataset, type PreviewSeeds } from '../preview.js'
import { createProgressReporter } from '../progress.js'
import { submitDataset } from '../submit.js'
import { competitionConfig, type Context, hotkeyOf, hub, hubCache, readingChain, signingChain, walletGiven } from './context.js'

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
async function previewSeeds(ctx: Context, contentHash: string, notes: string[]): Promise<PreviewSeeds> {
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
    if (!commitmentOfContent(record.text, contentHash, hotkey.address)) {
      notes.push(`the commitment of hotkey ${hotkey.address} (block ${record.block}) is for other content than this file`)
      return draws
    }
    return { source: 'commitment', block: record.block, blockHash: await chain.blockHash(record.block), commitment: record.text! }
  } finally {
    await chain.close()
  }
}

export async function previewCommand(ctx: Context): Promise<number> {
  const { args } = ctx
  const config = await competitionConfig(ctx)
  const datasetPath = ctx.path(args.dataset_path)
  // before downloading a model for it
  const checked = await validDataset(ctx, datasetPath, config)
  const notes: string[] = []
  const seeds = await previewSeeds(ctx, checked.report.contentHash!, notes)
  const modelDir = args.model ? ctx.path(args.model) : undefined
  const evalPath = args.eval_path ? ctx.path(args.eval_path) : undefined
  const fromHub = (modelDir ?? ctx.local?.model) === undefined || (evalPath ?? ctx.local?.evalSet) === undefined
  const files = await competitionFiles({
    config, local: ctx.local, ...(modelDir ? { modelDir } : {}), ...(evalPath ? { evalPath } : {}),
    ...(fromHub ? { cache: hubCache(ctx, hub(ctx)) } : {}), ...signal(ctx),
  })
  if (modelDir !== undefined && modelDir !== ctx.local?.model) notes.push(`--model ${modelDir} is not the competition's base model: validators may compute another loss`)
  if (evalPath !== undefined && evalPath !== ctx.local?.evalSet) notes.push(`--eval_path ${evalPath} is not the competition's eval set: validators may compute another loss`)
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
  const config = await competitionConfig(ctx)
  const datasetPath = ctx.path(args.dataset_path)
  // before any wallet, hub or chain work
  const checked = await validDataset(ctx, datasetPath, config)
  const target = hub(ctx) // a malformed token fails here, before connecting to the chain
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
      logger: ctx.log,
      ...(args.private !== undefined ? { private: args.private } : {}),
      ...(args.timelock_blocks !== undefined ? { timelockBlocks: args.timelock_blocks } : {}),
      ...signal(ctx),
    })
    print(ctx, result, formatSubmit(result))
    return 0
  } finally {
    await chain.close()
  }
}
