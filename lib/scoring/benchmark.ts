/**
 * The benchmark curve the live subnet has used: loss at or below minLoss scores 1, at or
 * above maxLoss scores 0; in between, a power curve through `height` at the benchmark
 * loss — falling from 1 to height over [minLoss, loss] and from height to 0 over
 * [loss, maxLoss]. Steeper around the benchmark as `power` grows.
 */
import type { BenchmarkCurve } from '../config/index.js'

export function benchmarkScore(loss: number, curve: BenchmarkCurve): number {
  const { minLoss, maxLoss, power } = curve
  const height = curve.height ?? 0.5
  const bench = curve.loss
  if (!Number.isFinite(loss)) return 0
  if (loss <= minLoss) return 1
  if (loss >= maxLoss) return 0
  if (loss <= bench) return (1 - height) * ((bench - loss) / (bench - minLoss)) ** power + height
  return height - height * ((loss - bench) / (maxLoss - bench)) ** power
}
