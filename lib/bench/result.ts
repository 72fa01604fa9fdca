/** The JSON object one bench run prints, its schema, and a readable rendering of it. */
import { z } from 'zod'

/** The keys every implementation (ours, the PEFT reference) prints; more may follow. */
export const benchResultSchema = z
  .object({
    kind: z.enum(['train', 'eval']),
    impl: z.string(),
    device: z.string().regex(/^(cpu|cuda(:\d{1,3})?|auto)$/),
    shape: z.string(),
    dtype: z.enum(['f32', 'bf16']),
    seq: z.number().int().positive(),
    steps: z.number().int().positive(),
    warmup_steps: z.number().int().nonnegative(),
    tokens: z.number().int().positive(),
    seconds: z.number().positive(),
    tokens_per_s: z.number().positive(),
    peak_rss_mb: z.number().positive(),
    peak_gpu_mb: z.number().positive().optional(),
    threads: z.number().int().positive(),
    loss: z.number(),
    /** loss of the untimed warm-up step (train); null where not measured */
    warmup_loss: z.number().nullable(),
    /** CPU time of the whole process (all threads) over the timed steps */
    cpu_seconds: z.number().positive().optional(),
    /** seconds of each timed step (or forward pass) */
    step_seconds: z.array(z.number().positive()).optional(),
    /** ours: model FLOPs per token (lib/bench/flops.ts), achieved GFLOP/s, and the FP32 peak (lib/bench/peak.ts) */
    model_gflop_per_token: z.number().positive().optional(),
    gflops: z.number().positive().optional(),
    peak_fraction: z.number().positive().optional(),
    peak: z.object({ isa: z.string(), peak_gflops: z.number().positive() }).passthrough().optional(),
  })
  .passthrough()

export type BenchResult = z.infer<typeof benchResultSchema>

/** The last line of a run's stdout that is a JSON object, parsed (`what` names the run in the error). */
export function lastJsonLine(stdout: string, what = 'the output'): unknown {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'))
  if (!line) throw new Error(`no JSON object in ${what}:\n${stdout.slice(-2000)}`)
  return JSON.parse(line)
}

/** Parses the last line of a run's stdout that is a JSON object. */
export function parseBenchOutput(stdout: string): BenchResult {
  return benchResultSchema.parse(lastJsonLine(stdout))
}

const fmt = (v: unknown): string => {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(5)
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) return v.map(fmt).join(' ')
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** Two aligned columns, one key a line. */
export function formatResult(r: Record<string, unknown>): string {
  const keys = Object.keys(r)
  const w = Math.max(...keys.map((k) => k.length))
  return keys.map((k) => `${k.padEnd(w)}  ${fmt(r[k])}`).join('\n') + '\n'
}
