/**
 * Comparison records in bench/results/: one JSON line per comparison in
 * `<kind>.jsonl`, and a section in SUMMARY.md a person can read.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { CompareRun, CompareSettings } from './compare.js'
import type { BenchIsa, SideEnvironment } from './isa-env.js'
import type { GitInfo, MachineInfo } from './machine.js'
import type { CompareSummary } from './stats.js'

export interface CompareRecord {
  date: string
  kind: string
  command: string
  git: GitInfo | null
  machine: MachineInfo
  settings: CompareSettings & { device: 'cpu'; isa?: BenchIsa }
  /** the argv prefixes that ran each side */
  commands: { ours: string[]; reference: string[] }
  /** variables each side got on top of the inherited environment, and the machine's load (1, 5, 15 min) around the runs */
  environment?: SideEnvironment & { load_average: { before: number[]; after: number[] } }
  runs: CompareRun[]
  summary: CompareSummary
  note?: string
}

const SUMMARY_HEADER = `# Benchmark results

Appended by \`flock-bench compare\`; the raw runs are in the \`<kind>.jsonl\` files beside this one.
Speed ratio = median ours tokens/s ÷ median reference tokens/s (> 1: ours faster).
Memory ratio = median ours peak RSS ÷ median reference peak RSS (< 1: ours smaller); both are whole-process peaks.
Fastest-step ratio = (tokens per step ÷ fastest single timed step) ours ÷ the same for the reference.
`

const f = (x: number, digits = 1) => x.toFixed(digits)
const envText = (env: Record<string, string> | undefined) =>
  env && Object.keys(env).length > 0 ? Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ') : 'no change'

/** ` (cores × GHz × FLOP/cycle)` from the first run of ours that reports its peak */
function peakHow(r: CompareRecord): string {
  const p = r.runs.find((x) => x.impl === 'ours' && x.result.peak)?.result.peak as { cores?: number; ghz?: number; flops_per_cycle?: number } | undefined
  return p && p.cores && p.ghz && p.flops_per_cycle ? ` (${p.cores} cores × ${p.ghz} GHz measured × ${p.flops_per_cycle} FLOP/cycle)` : ''
}

export function markdownSection(r: CompareRecord): string {
  const s = r.settings
  const m = r.summary
  const lines = [
    '',
    `## ${r.date} · ${r.kind} · ${s.shape} · seq ${s.seq} · ${s.threads} thread${s.threads === 1 ? '' : 's'} · ${s.dtype}`,
    '',
    `**Speed ratio ${f(m.speed_ratio, 2)}×** (ours ${f(m.ours.median_tokens_per_s)} tokens/s, reference ${f(m.reference.median_tokens_per_s)} tokens/s); ` +
      `**memory ratio ${f(m.memory_ratio, 2)}×** (ours ${f(m.ours.median_peak_rss_mb, 0)} MB, reference ${f(m.reference.median_peak_rss_mb, 0)} MB).`,
    ...(m.best_step_speed_ratio !== null
      ? [
          '',
          `Fastest single step (steadier on a shared machine): ours ${f(m.ours.best_step_tokens_per_s!)} tokens/s, reference ${f(m.reference.best_step_tokens_per_s!)} tokens/s, ratio ${f(m.best_step_speed_ratio, 2)}×.`,
        ]
      : []),
    ...(m.cpu_speed_ratio !== null
      ? [
          '',
          `Per CPU-second of each process (steadier under load; time spent spin-waiting counts): ours ${f(m.ours.median_tokens_per_cpu_s!)} tokens, ` +
            `reference ${f(m.reference.median_tokens_per_cpu_s!)} tokens, ratio ${f(m.cpu_speed_ratio, 2)}×.`,
        ]
      : []),
    ...(m.warmup_loss_rel_diff !== null ? ['', `Warm-up step loss, ours vs reference: relative difference ${m.warmup_loss_rel_diff.toExponential(2)}.`] : []),
    ...(m.work
      ? [
          '',
          `Work ${f(m.work.gflop_per_token, 3)} GFLOP per token (model FLOPs): ours ${f(m.work.ours_gflops)} GFLOP/s = ${f(100 * m.work.ours_peak_fraction)}%, ` +
            `reference ${f(m.work.reference_gflops)} GFLOP/s = ${f(100 * m.work.reference_peak_fraction)}% of the ${f(m.work.peak_gflops)} GFLOP/s ${m.work.peak_isa} FP32 peak${peakHow(r)}.`,
        ]
      : []),
    '',
    `- command: \`${r.command}\``,
    `- commit: ${r.git ? `${r.git.commit}${r.git.dirty ? ' (with uncommitted changes)' : ''}` : 'unknown'}`,
    `- machine: ${r.machine.cpu_model}, ${r.machine.cpus} CPUs (${r.machine.isa.join(' ') || 'ISA unknown'}), ${r.machine.mem_gb} GB, ${r.machine.os}, Node ${r.machine.node}`,
    `- ${s.steps} timed steps of ${s.seq} tokens after 1 untimed warm-up step, ${s.rounds} rounds alternating, seed ${s.seed}`,
    ...(s.isa && s.isa !== 'native' ? [`- ISA held to ${s.isa}: ours ${envText(r.environment?.ours)}; reference ${envText(r.environment?.reference)}`] : []),
    ...(r.environment ? [`- load average (1, 5, 15 min) before ${r.environment.load_average.before.join(' ')}, after ${r.environment.load_average.after.join(' ')} on ${r.machine.cpus} CPUs`] : []),
    ...(r.note ? [`- note: ${r.note}`] : []),
    '',
    '| round | impl | tokens/s | GFLOP/s | seconds | peak RSS MB | loss |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...r.runs.map(
      (x) =>
        `| ${x.round} | ${x.impl} | ${f(x.result.tokens_per_s)} | ${m.work ? f(x.result.tokens_per_s * m.work.gflop_per_token) : '-'} | ${f(x.result.seconds, 2)} | ${f(x.result.peak_rss_mb, 0)} | ${x.result.loss.toFixed(4)} |`,
    ),
  ]
  const profile = r.runs.find((x) => x.profile)?.profile
  if (profile)
    lines.push('', 'Per-op breakdown of the first run of ours (FLOCK_PROFILE=1, warm-up step included; GFLOP/s per op over its wall time):', '', '```', profile, '```')
  return lines.join('\n') + '\n'
}

/** Appends the record; returns the two files written. */
export async function appendRecord(dir: string, r: CompareRecord): Promise<{ jsonl: string; markdown: string }> {
  if (!/^[a-z]+$/.test(r.kind)) throw new RangeError(`record kind must be a plain word, got ${JSON.stringify(r.kind)}`)
  await mkdir(dir, { recursive: true })
  const jsonl = join(dir, `${r.kind}.jsonl`)
  const markdown = join(dir, 'SUMMARY.md')
  await appendFile(jsonl, JSON.stringify(r) + '\n')
  const existing = await readFile(markdown, 'utf8').catch(() => '')
  await writeFile(markdown, (existing || SUMMARY_HEADER) + markdownSection(r))
  return { jsonl, markdown }
}
