/** The arithmetic of a comparison: medians of each side's runs and the ratios between them. */
import type { BenchResult } from './result.js'

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values')
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export interface SideSummary {
  runs: number
  median_tokens_per_s: number
  min_tokens_per_s: number
  max_tokens_per_s: number
  median_peak_rss_mb: number
  max_peak_rss_mb: number
  median_loss: number
  /**
   * tokens of one step ÷ the fastest single timed step of any run: noise from
   * other work on the machine only ever slows a step down, so on a shared
   * machine this is the steadier figure. Null without step times.
   */
  best_step_tokens_per_s: number | null
  /**
   * median of tokens ÷ CPU seconds of the whole process over the timed steps: time the
   * machine gave to other work does not count, so it holds up under load (work done while
   * waiting, such as OpenMP's spin-waits, does count). Null without CPU times.
   */
  median_tokens_per_cpu_s: number | null
}

export interface CompareSummary {
  ours: SideSummary
  reference: SideSummary
  /** median ours tokens/s ÷ median reference tokens/s: > 1 means ours is faster */
  speed_ratio: number
  /** median ours peak RSS ÷ median reference peak RSS: < 1 means ours uses less */
  memory_ratio: number
  /**
   * |ours − reference| / |reference| of the warm-up step's loss, a check that
   * both ran the same model on the same tokens (the adapter is still zero then).
   * Null when a side did not report it.
   */
  warmup_loss_rel_diff: number | null
  /** best_step_tokens_per_s ours ÷ reference (null when a side has no step times) */
  best_step_speed_ratio: number | null
  /** median_tokens_per_cpu_s ours ÷ reference (null when a side has no CPU times) */
  cpu_speed_ratio: number | null
  /** achieved GFLOP/s against the FP32 peak; null when ours did not report its work and peak */
  work: WorkSummary | null
}

/** Both sides did the same work per token (model FLOPs, lib/bench/flops.ts), so GFLOP/s = tokens/s × GFLOP per token. */
export interface WorkSummary {
  gflop_per_token: number
  /** the peak ours measured (lib/bench/peak.ts), for the ISA its kernels ran */
  peak_gflops: number
  peak_isa: string
  ours_gflops: number
  reference_gflops: number
  ours_peak_fraction: number
  reference_peak_fraction: number
}

function workSummary(ours: readonly BenchResult[], o: SideSummary, r: SideSummary): WorkSummary | null {
  const per = ours.map((x) => x.model_gflop_per_token).filter((v): v is number => typeof v === 'number' && v > 0)
  const peaks = ours.map((x) => x.peak).filter((p): p is NonNullable<typeof p> => p !== undefined)
  const peakValues = peaks.map((p) => p.peak_gflops)
  if (per.length === 0 || peakValues.length === 0) return null
  const gflopPerToken = median(per)
  const peak = median(peakValues)
  const ours_gflops = o.median_tokens_per_s * gflopPerToken
  const reference_gflops = r.median_tokens_per_s * gflopPerToken
  return {
    gflop_per_token: gflopPerToken,
    peak_gflops: peak,
    peak_isa: peaks[0]!.isa,
    ours_gflops,
    reference_gflops,
    ours_peak_fraction: ours_gflops / peak,
    reference_peak_fraction: reference_gflops / peak,
  }
}

function bestStep(results: readonly BenchResult[]): number | null {
  let best: number | null = null
  for (const r of results) {
    if (!r.step_seconds || r.step_seconds.length === 0) return null
    const v = r.tokens / r.steps / Math.min(...r.step_seconds)
    best = best === null ? v : Math.max(best, v)
  }
  return best
}

export function summarizeSide(results: readonly BenchResult[]): SideSummary {
  const tps = results.map((r) => r.tokens_per_s)
  const rss = results.map((r) => r.peak_rss_mb)
  return {
    runs: results.length,
    median_tokens_per_s: median(tps),
    min_tokens_per_s: Math.min(...tps),
    max_tokens_per_s: Math.max(...tps),
    median_peak_rss_mb: median(rss),
    max_peak_rss_mb: Math.max(...rss),
    median_loss: median(results.map((r) => r.loss)),
    best_step_tokens_per_s: bestStep(results),
    median_tokens_per_cpu_s: results.every((x) => typeof x.cpu_seconds === 'number') ? median(results.map((x) => x.tokens / x.cpu_seconds!)) : null,
  }
}

export function compareSummary(ours: readonly BenchResult[], reference: readonly BenchResult[]): CompareSummary {
  const o = summarizeSide(ours)
  const r = summarizeSide(reference)
  const wo = ours.map((x) => x.warmup_loss).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const wr = reference.map((x) => x.warmup_loss).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  return {
    ours: o,
    reference: r,
    speed_ratio: o.median_tokens_per_s / r.median_tokens_per_s,
    memory_ratio: o.median_peak_rss_mb / r.median_peak_rss_mb,
    best_step_speed_ratio: o.best_step_tokens_per_s !== null && r.best_step_tokens_per_s !== null ? o.best_step_tokens_per_s / r.best_step_tokens_per_s : null,
    warmup_loss_rel_diff: wo.length > 0 && wr.length > 0 ? Math.abs(median(wo) - median(wr)) / Math.abs(median(wr)) : null,
    cpu_speed_ratio: o.median_tokens_per_cpu_s !== null && r.median_tokens_per_cpu_s !== null ? o.median_tokens_per_cpu_s / r.median_tokens_per_cpu_s : null,
    work: workSummary(ours, o, r),
  }
}
