/**
 * evaluateDataset: the one door for scoring a dataset. Reads and validates the
 * miner's rows, samples them to the competition's budget with the seed, tokenizes
 * them with the model's chat template, trains a LoRA adapter on them and reports
 * the eval loss on the standard eval set. The validator and `flock-miner preview`
 * both call it, so miners see the score validators will compute.
 */
import { type CompetitionConfig, defaultCompetitionConfig, parseCompetitionConfig } from '../config/index.js'
import { DatasetError, readDataset, rowFailureIssues } from '../dataset/index.js'
import { checkDevice } from '../native/device.js'
import { CancelledError, InvalidArgumentError } from '../errors.js'
import { BaseModel, loadBaseModel } from '../native/model.js'
import { chatFormatOf, ChatTokenizer, loadChatTokenizer } from '../tokenize/index.js'
import { trainAndEvaluate } from '../native/train.js'
import { resolveLora, resolveTraining, toSeed } from '../native/train-settings.js'
import { planBudget } from './budget.js'
import { isPreparedEvalSet, prepareEvalSet, type PreparedEvalSet } from './eval-set.js'
import { toDatasetSource } from './source.js'
import type { EvalResult, EvaluateDatasetOptions, EvaluateProgress } from './types.js'

const OPTION_KEYS = new Set([
  'model', 'tokenizer', 'train', 'eval', 'config', 'lora', 'training', 'seed', 'device', 'precision', 'numThreads',
  'evalLossDefinition', 'baseline', 'saveAdapterDir', 'onProgress', 'signal', 'untokenizableRows',
])

function checkOptions(o: EvaluateDatasetOptions): void {
  if (!o || typeof o !== 'object') throw new InvalidArgumentError('evaluateDataset: options are required')
  for (const k of Object.keys(o)) if (!OPTION_KEYS.has(k)) throw new InvalidArgumentError(`evaluateDataset: unknown option '${k}'`)
  if (!(o.model instanceof BaseModel) && (typeof o.model !== 'string' || o.model.length === 0))
    throw new InvalidArgumentError('model: expected a loaded BaseModel or a model folder path')
  if (o.tokenizer !== undefined && !(o.tokenizer instanceof ChatTokenizer) && typeof o.tokenizer !== 'string')
    throw new InvalidArgumentError('tokenizer: expected a ChatTokenizer or a folder path')
  if (o.train === undefined) throw new InvalidArgumentError('train: required')
  if (o.eval === undefined) throw new InvalidArgumentError('eval: required')
  if (o.device !== undefined) checkDevice(o.device)
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidArgumentError('onProgress: expected a function')
  if (o.untokenizableRows !== undefined && o.untokenizableRows !== 'fail' && o.untokenizableRows !== 'skip')
    throw new InvalidArgumentError(`untokenizableRows: expected 'fail' or 'skip', got ${JSON.stringify(o.untokenizableRows)}`)
}

export async function evaluateDataset(options: EvaluateDatasetOptions): Promise<EvalResult> {
  checkOptions(options)
  const started = performance.now()
  const elapsed = () => (performance.now() - started) / 1000
  const signal = options.signal
  const progress = (p: Omit<EvaluateProgress, 'elapsedSeconds'>) => options.onProgress?.({ ...p, elapsedSeconds: elapsed() })
  const throwIfAborted = () => {
    if (signal?.aborted) throw new CancelledError('E_CANCELLED', 'the evaluation was cancelled')
  }
  const config: CompetitionConfig = options.config ? parseCompetitionConfig(options.config, 'config') : defaultCompetitionConfig
  const seed = toSeed(options.seed)
  const maxSeqLen = config.training.maxSeqLen
  const lora = resolveLora(
    { r: config.lora.r, alpha: config.lora.alpha, dropout: config.lora.dropout, targetModules: [...config.lora.targetModules], useRslora: config.lora.useRslora, ...options.lora },
    'lora',
  )
  const t = config.training
  const baseTraining = resolveTraining(
    {
      learningRate: t.learningRate, lrSchedule: t.lrSchedule, warmupSteps: t.warmupSteps, epochs: t.epochs,
      microBatchSize: t.microBatchSize, gradAccumSteps: t.gradAccumSteps, maxGradNorm: t.maxGradNorm,
      adamBeta1: t.adamBeta1, adamBeta2: t.adamBeta2, adamEps: t.adamEps, weightDecay: t.weightDecay,
      ...options.training,
    },
    'training',
  )

  // ---- load
  progress({ phase: 'load' })
  const ownsModel = typeof options.model === 'string'
  const model = ownsModel
    ? await loadBaseModel(options.model as string, { numThreads: options.numThreads ?? 0 })
    : (options.model as BaseModel)
  try {
    const tokenizer =
      options.tokenizer instanceof ChatTokenizer ? options.tokenizer : await loadChatTokenizer(options.tokenizer ?? model.dir)
    if (tokenizer.maxTokenId >= model.info.vocabSize)
      throw new InvalidArgumentError(`tokenizer: it can emit token id ${tokenizer.maxTokenId}, outside the model's vocabulary of ${model.info.vocabSize}`)
    const loadSeconds = elapsed()
    throwIfAborted()

    // ---- read: the whole dataset is validated and hashed; at most maxTrainRows rows are kept
    progress({ phase: 'read' })
    const readStart = elapsed()
    const maxRows = config.budget.maxTrainRows
    const train = await readDataset(toDatasetSource(options.train, 'train'), {
      limits: config.dataset,
      sample: config.budget.rowSelection === 'first' ? { maxRows, first: true } : { maxRows, seed },
      ...(signal ? { signal } : {}),
    })
    const trainRows = train.rows
    const readSeconds = elapsed() - readStart

    // ---- tokenize
    progress({ phase: 'tokenize' })
    const tokStart = elapsed()
    const format = chatFormatOf(config.training)
    const trainTok = await tokenizer.tokenizeRows(trainRows, { maxSeqLen, format, ...(signal ? { signal } : {}) })
    const trainFailed = rowFailureIssues(trainTok.failed, train.lines, train.unit)
    if (trainFailed.length > 0 && options.untokenizableRows === 'fail') throw new DatasetError(trainFailed, false)
    if (trainTok.sequences.length === 0)
      throw new InvalidArgumentError(
        `train: none of the ${trainRows.length} sampled rows has an assistant token within ${maxSeqLen} tokens${trainFailed.length > 0 ? ` (${trainFailed.length} could not be tokenized)` : ''}`,
      )
    let evalSet: PreparedEvalSet
    if (isPreparedEvalSet(options.eval)) {
      if (options.eval.tokenizer !== tokenizer)
        throw new InvalidArgumentError('eval: this prepared eval set was tokenized with another tokenizer; pass that tokenizer too')
      if (options.eval.maxSeqLen !== maxSeqLen)
        throw new InvalidArgumentError(`eval: prepared with maxSeqLen ${options.eval.maxSeqLen}, but the config says ${maxSeqLen}`)
      if (options.eval.format !== format)
        throw new InvalidArgumentError(`eval: prepared with chat format ${options.eval.format}, but the config says ${format}`)
      evalSet = options.eval
    } else {
      evalSet = await prepareEvalSet(tokenizer, options.eval, { maxSeqLen, config, ...(signal ? { signal } : {}) })
    }
    const tokenizeSeconds = elapsed() - tokStart
    throwIfAborted()

    // ---- budget, train, eval
    const budget = planBudget({
      budget: config.budget,
      configEpochs: baseTraining.epochs,
      rowsAvailable: train.rowCount,
      rowsSampled: trainRows.length,
      sequenceTokens: trainTok.sequences.map((s) => s.tokens.length),
      microBatchSize: baseTraining.microBatchSize,
      gradAccumSteps: baseTraining.gradAccumSteps,
    })
    const training = { ...baseTraining, maxSteps: budget.optimizerSteps }
    const r = await trainAndEvaluate(model, {
      train: trainTok.sequences,
      eval: evalSet.tokenized.sequences,
      lora,
      training,
      seed,
      evalBefore: options.baseline === true,
      evalLossDefinition: options.evalLossDefinition ?? 'example-mean',
      ...(options.saveAdapterDir ? { saveAdapterDir: options.saveAdapterDir } : {}),
      ...(options.device ? { device: options.device } : {}),
      ...(options.precision ? { precision: options.precision } : {}),
      onProgress: (p) => progress({ ...p }),
      ...(signal ? { signal } : {}),
    })
    return {
      evalLoss: r.evalLoss,
      evalLossDefinition: r.evalLossDefinition,
      eval: r.eval,
      ...(r.evalBefore ? { baseline: r.evalBefore } : {}),
      trainLoss: r.trainLoss,
      learningRates: r.learningRates,
      gradNorms: r.gradNorms,
      budget,
      tokens: {
        trainTokens: r.trainTokens,
        trainTargets: r.trainTargets,
        trainTruncated: trainTok.truncated,
        trainDropped: trainTok.dropped,
        evalSequences: evalSet.tokenized.sequences.length,
        evalTokens: r.eval.tokens,
        evalTargets: r.eval.targets,
        evalTruncated: evalSet.tokenized.truncated,
        evalDropped: evalSet.tokenized.dropped,
        trainFailed: trainFailed.length,
        evalFailed: evalSet.failedRows.length,
      },
      failedRows: { train: trainFailed, eval: [...evalSet.failedRows] },
      timings: { loadSeconds, readSeconds, tokenizeSeconds, trainSeconds: r.trainSeconds, evalSeconds: r.evalSeconds, totalSeconds: elapsed() },
      tokensPerSecond: r.tokensPerSecond,
      peakRssBytes: r.peakRssBytes,
      peakWorkspaceBytes: r.peakWorkspaceBytes,
      device: r.device,
      deviceNote: r.deviceNote,
      datasetHash: train.hash,
      evalSetHash: evalSet.hash,
      model: { dir: model.dir, architecture: model.info.architecture, numParameters: model.info.numParameters },
      settings: { lora, training, seed, maxSeqLen, config: config.name },
    }
  } finally {
    if (ownsModel) model.dispose()
  }
}
