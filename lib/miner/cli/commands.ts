/** The three commands: each builds its objects, runs one lib/miner function and prints the result. */
import type { CompetitionConfig } from '../../config/index.js'
import { DatasetError } from '../../dataset/index.js'
import { InvalidArgumentError } from '../../errors.js'
import { resolvePreviewAssets } from '../assets.js'
import { type CheckedDataset, checkDataset, readAndCheckDataset } from '../dataset-file.js'
import { formatDatasetReport, formatPreview, formatSubmit } from '../format.js'
import { ensureLocalModel, exists } from '../local.js'
import { previewDataset } from '../preview.js'
import { createProgressReporter } from '../progress.js'
import { submitDataset } from '../submit.js'
import { competitionConfig, type Context, hub, hubCache, signingChain } from './context.js'

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n'
}

function print(ctx: Context, value: object, text: string): void {
  ctx.io.stdout.write(ctx.args.json ? toJson(value) : text)
}

const signal = (ctx: Context) => (ctx.io.signal ? { signal: ctx.io.signal } : {})

export async function validateCommand(ctx: Context): Promise<number> {
  const config = await competitionConfig(ctx)
  const report = await checkDataset({ path: ctx.path(ctx.args.dataset_path), config, maxIssues: ctx.args.max_issues, ...signal(ctx) })
  print(ctx, report, formatDatasetReport(report))
  return report.ok ? 0 : 1
}

async function validDataset(ctx: Context, path: string, config: CompetitionConfig): Promise<CheckedDataset> {
  const checked = await readAndCheckDataset({ path, config, ...signal(ctx) })
  if (!checked.report.ok) throw new DatasetError(checked.report.issues, checked.report.issuesTruncated)
  return checked
}

function parseSeed(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined
  if (!/^\d{1,20}$/.test(text) || BigInt(text) >= 1n << 64n) throw new InvalidArgumentError(`--seed must be an integer in [0, 2^64), got ${JSON.stringify(text)}`)
  return BigInt(text)
}

export async function previewCommand(ctx: Context): Promise<number> {
  const { args } = ctx
  const seed = parseSeed(args.seed)
  const config = await competitionConfig(ctx)
  const datasetPath = ctx.path(args.dataset_path)
  // before downloading a model for it
  const checked = await validDataset(ctx, datasetPath, config)
  let modelDir = args.model ? ctx.path(args.model) : undefined
  let evalPath = args.eval_path ? ctx.path(args.eval_path) : undefined
  if (ctx.local) {
    modelDir ??= await ensureLocalModel(ctx.local)
    if (!evalPath && (await exists(ctx.local.evalFile))) evalPath = ctx.local.evalFile
  }
  const assets = await resolvePreviewAssets({
    config,
    ...(modelDir ? { modelDir } : {}),
    ...(evalPath ? { evalPath } : {}),
    ...(modelDir && evalPath ? {} : { cache: hubCache(ctx, hub(ctx)) }),
    ...signal(ctx),
  })
  const progress = createProgressReporter({ stream: ctx.io.stderr, logger: ctx.log })
  let result
  try {
    result = await previewDataset({
      datasetPath,
      checked,
      modelDir: assets.modelDir,
      evalPath: assets.evalPath,
      config,
      numThreads: args.threads,
      onProgress: (p) => progress.onProgress(p),
      ...(seed !== undefined ? { seed } : {}),
      ...signal(ctx),
    })
  } finally {
    progress.stop()
  }
  print(ctx, { ...result, assets }, formatPreview(result, assets))
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
