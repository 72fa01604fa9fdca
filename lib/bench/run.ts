/**
 * One bench run of our trainer: `train` times LoRA training steps, `eval` times
 * eval forward passes (with the adapter attached, as evaluateDataset runs
 * them). Model writing and loading are outside the timed window, and so is one
 * warm-up step; the times come from the native trainer's own clock.
 */
import { checkDevice } from '../native/device.js'
import { InvalidArgumentError } from '../errors.js'
import { loadBaseModel, type BaseModel } from '../native/model.js'
import { loadAddon } from '../native/load-addon.js'
import { trainAndEvaluate, type TrainProgress } from '../native/train.js'
import { machineInfo } from './machine.js'
import { ALL_LINEAR, modelFlops } from './flops.js'
import { ensureShapeModel } from './model-cache.js'
import { cpuPeak } from './peak.js'
import type { BenchResult } from './result.js'
import { BENCH_LORA, BENCH_LORA_JSON, BENCH_TRAINING, WARMUP_STEPS } from './settings.js'
import { benchSequences, LOSS_MASK_RULE } from './sequences.js'
import { benchShape, type BenchDtype } from './shapes.js'

export type BenchKind = 'train' | 'eval'

export interface BenchOptions {
  kind: BenchKind
  shape: string
  seq: number
  /** timed steps (train) or timed forward passes of one sequence each (eval) */
  steps: number
  device: string
  /** CPU worker threads; 0 = all cores */
  threads: number
  dtype: BenchDtype
  /** seed of the token ids (and of the LoRA init) */
  seed: number
  /** model cache root (default $FLOCK_BENCH_CACHE or ~/.cache/flock-bench) */
  cacheRoot?: string
  onProgress?: (message: string) => void
}

const EVAL_TRAIN_TOKENS = 16

function checkOptions(o: BenchOptions): void {
  const posInt = (v: number, name: string, max: number) => {
    if (!Number.isInteger(v) || v < 1 || v > max) throw new InvalidArgumentError(`--${name}: expected an integer in [1, ${max}], got ${v}`)
  }
  posInt(o.seq, 'seq', 1 << 20)
  posInt(o.steps, 'steps', 1_000_000)
  if (!Number.isInteger(o.threads) || o.threads < 0 || o.threads > 1024) throw new InvalidArgumentError(`--threads: expected an integer in [0, 1024], got ${o.threads}`)
  if (o.dtype !== 'f32' && o.dtype !== 'bf16') throw new InvalidArgumentError(`--dtype: expected f32 or bf16, got ${JSON.stringify(o.dtype)}`)
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new InvalidArgumentError(`--seed: expected an integer in [0, 2^32), got ${o.seed}`)
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10

interface Timed {
  seconds: number
  /** CPU time of the whole process over the timed window (process.cpuUsage at the same marks) */
  cpuSeconds: number
  stepSeconds: number[]
  loss: number
  warmupLoss: number | null
  peakWorkspaceBytes: number
}

const cpuNow = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** Seconds between consecutive progress marks, the first mark (end of the warm-up) excluded. */
function gaps(marks: number[]): number[] {
  return marks.slice(1).map((m, i) => m - marks[i]!)
}

async function timeTrain(model: BaseModel, o: BenchOptions): Promise<Timed> {
  const seqs = benchSequences(o.steps + WARMUP_STEPS, o.seq, model.info.vocabSize, o.seed)
  const marks: number[] = []
  const cpu: number[] = []
  const losses: number[] = []
  const r = await trainAndEvaluate(model, {
    train: seqs,
    eval: [{ tokens: seqs[0]!.tokens.slice(0, EVAL_TRAIN_TOKENS), lossMask: new Uint8Array(Math.min(EVAL_TRAIN_TOKENS, o.seq)).fill(1) }],
    lora: BENCH_LORA,
    training: { ...BENCH_TRAINING, maxSteps: o.steps + WARMUP_STEPS },
    seed: o.seed,
    onProgress: (p: TrainProgress) => {
      if (p.phase !== 'train') return
      marks.push(p.elapsedSeconds)
      cpu.push(cpuNow())
      losses.push(p.loss)
    },
  })
  if (marks.length !== o.steps + WARMUP_STEPS) throw new Error(`expected ${o.steps + WARMUP_STEPS} step reports, got ${marks.length}`)
  const steps = gaps(marks)
  const timedLosses = losses.slice(WARMUP_STEPS)
  return {
    seconds: marks[marks.length - 1]! - marks[WARMUP_STEPS - 1]!,
    cpuSeconds: cpu[cpu.length - 1]! - cpu[WARMUP_STEPS - 1]!,
    stepSeconds: steps,
    loss: timedLosses.reduce((a, b) => a + b, 0) / timedLosses.length,
    warmupLoss: losses[0]!,
    peakWorkspaceBytes: r.peakWorkspaceBytes,
  }
}

async function timeEval(model: BaseModel, o: BenchOptions): Promise<Timed> {
  const seqs = benchSequences(o.steps + WARMUP_STEPS, o.seq, model.info.vocabSize, o.seed)
  const trainLen = Math.min(EVAL_TRAIN_TOKENS, o.seq)
  const marks: number[] = []
  const cpu: number[] = []
  const r = await trainAndEvaluate(model, {
    train: [{ tokens: seqs[0]!.tokens.slice(0, trainLen), lossMask: new Uint8Array(trainLen).fill(1) }],
    eval: seqs,
    lora: BENCH_LORA,
    training: { ...BENCH_TRAINING, maxSteps: 1, evalBatchTokens: o.seq },
    evalLossDefinition: 'token-mean',
    evalBefore: false,
    seed: o.seed,
    onProgress: (p: TrainProgress) => {
      if (p.phase !== 'eval') return
      marks.push(p.elapsedSeconds)
      cpu.push(cpuNow())
    },
  })
  if (marks.length !== o.steps + WARMUP_STEPS) throw new Error(`expected ${o.steps + WARMUP_STEPS} eval batch reports, got ${marks.length}`)
  return {
    seconds: marks[marks.length - 1]! - marks[WARMUP_STEPS - 1]!,
    cpuSeconds: cpu[cpu.length - 1]! - cpu[WARMUP_STEPS - 1]!,
    stepSeconds: gaps(marks),
    loss: r.eval.tokenMean,
    warmupLoss: null,
    peakWorkspaceBytes: r.peakWorkspaceBytes,
  }
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  checkOptions(o)
  const device = checkDevice(o.device, '--device')
  const shape = benchShape(o.shape)
  const ensured = await ensureShapeModel(shape, { dtype: o.dtype, ...(o.cacheRoot ? { root: o.cacheRoot } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) })
  const t0 = performance.now()
  // the backend is chosen by the model's device: a build without CUDA says so when the first run starts
  const model = await loadBaseModel(ensured.dir, { numThreads: o.threads, device })
  const loadSeconds = (performance.now() - t0) / 1000
  try {
    const timed = o.kind === 'train' ? await timeTrain(model, o) : await timeEval(model, o)
    const tokens = o.steps * o.seq
    const info = model.info
    const timedSeqs = Array.from({ length: o.steps }, () => ({ tokens: o.seq, targets: o.seq - Math.floor(o.seq / 4) }))
    const flops = modelFlops(info, timedSeqs, { kind: o.kind, loraRank: BENCH_LORA.r!, loraModules: ALL_LINEAR })
    const peak = cpuPeak(info.numThreads)
    const gflops = flops / 1e9 / timed.seconds
    return {
      kind: o.kind,
      impl: 'flock',
      device,
      shape: shape.name,
      dtype: o.dtype,
      seq: o.seq,
      steps: o.steps,
      warmup_steps: WARMUP_STEPS,
      tokens,
      seconds: timed.seconds,
      tokens_per_s: tokens / timed.seconds,
      cpu_seconds: timed.cpuSeconds,
      peak_rss_mb: mib(process.resourceUsage().maxRSS * 1024),
      threads: info.numThreads,
      model_gflop_per_token: flops / 1e9 / tokens,
      gflops,
      peak_fraction: gflops / peak.peak_gflops,
      peak: { ...peak },
      loss: timed.loss,
      warmup_loss: timed.warmupLoss,
      step_seconds: timed.stepSeconds,
      loss_mask: LOSS_MASK_RULE,
      lora: BENCH_LORA_JSON,
      peak_workspace_mb: mib(timed.peakWorkspaceBytes),
      load_seconds: loadSeconds,
      model: { dir: ensured.dir, parameters: info.numParameters, weight_dtype: info.weightDtype, weight_mb: mib(info.weightBytes), written_seconds: ensured.seconds },
      seed: o.seed,
      build: loadAddon().buildInfo,
      machine: machineInfo(),
      ...(o.kind === 'eval' ? { eval_note: `adapter attached after 1 untimed training step on ${Math.min(EVAL_TRAIN_TOKENS, o.seq)} tokens; one sequence per forward pass` } : {}),
      peak_rss_note: 'process peak RSS (getrusage maxrss), includes the memory-mapped weights',
    }
  } finally {
    model.dispose()
  }
}
