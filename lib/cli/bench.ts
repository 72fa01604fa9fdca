/** flock-bench: train/eval/dataset benchmarks and `compare` against HF + PEFT. */
import { usageError, USAGE_EXIT_CODE } from './usage.js'
import { packageVersion } from './version.js'
import { FlockError } from '../errors.js'
import { compareCommand, formatResult, runBench, runDatasetBench, type CompareRun } from '../bench/index.js'
import { BENCH_USAGE, parseBenchArgs, UsageError } from './bench-args.js'

const log = (m: string) => process.stderr.write(m + '\n')

async function run(argv: string[], self: string[]): Promise<number> {
  const cmd = parseBenchArgs(argv)
  if (cmd.command === 'version') {
    process.stdout.write(`${packageVersion()}\n`)
    return 0
  }
  if (cmd.command === 'help') {
    process.stdout.write(BENCH_USAGE)
    return argv.length === 0 ? 2 : 0
  }
  if (cmd.command === 'dataset') {
    const r = await runDatasetBench({ ...cmd.options, onProgress: log })
    process.stdout.write(cmd.json ? JSON.stringify(r) + '\n' : formatResult(r))
    return 0
  }
  if (cmd.command !== 'compare') {
    const r = await runBench({ ...cmd.options, onProgress: log })
    process.stdout.write(cmd.json ? JSON.stringify(r) + '\n' : formatResult(r))
    return 0
  }
  const onRun = (r: CompareRun) =>
    log(`round ${r.round} ${r.impl.padEnd(9)} ${r.result.tokens_per_s.toFixed(1).padStart(9)} tokens/s  ${r.result.gflops !== undefined ? `${r.result.gflops.toFixed(1)} GFLOP/s  ` : ''}${r.result.peak_rss_mb.toFixed(0).padStart(6)} MB peak RSS  loss ${r.result.loss.toFixed(4)}`)
  const out = await compareCommand({
    options: cmd.options,
    rounds: cmd.rounds,
    python: cmd.python,
    oursCommand: self,
    resultsDir: cmd.record ? cmd.resultsDir : null,
    profile: cmd.profile,
    isa: cmd.isa,
    note: cmd.note,
    commandLine: ['flock-bench', ...argv].join(' '),
    onRun,
    onProgress: log,
  })
  const s = out.summary
  if (cmd.json) process.stdout.write(JSON.stringify(out.record) + '\n')
  else
    process.stdout.write(
      formatResult({
        ours_median_tokens_per_s: s.ours.median_tokens_per_s,
        reference_median_tokens_per_s: s.reference.median_tokens_per_s,
        speed_ratio: s.speed_ratio,
        ours_median_peak_rss_mb: s.ours.median_peak_rss_mb,
        reference_median_peak_rss_mb: s.reference.median_peak_rss_mb,
        memory_ratio: s.memory_ratio,
        best_step_speed_ratio: s.best_step_speed_ratio,
        cpu_speed_ratio: s.cpu_speed_ratio,
        warmup_loss_rel_diff: s.warmup_loss_rel_diff,
        ...(s.work
          ? {
              gflop_per_token: s.work.gflop_per_token,
              ours_gflops: s.work.ours_gflops,
              reference_gflops: s.work.reference_gflops,
              peak_gflops: `${s.work.peak_gflops} (${s.work.peak_isa})`,
              ours_peak_fraction: s.work.ours_peak_fraction,
              reference_peak_fraction: s.work.reference_peak_fraction,
            }
          : {}),
        recorded: out.files ? `${out.files.jsonl}, ${out.files.markdown}` : 'no',
      }),
    )
  return 0
}

/**
 * flock-bench's command line (argv without node and the script); sets process.exitCode.
 * `self` runs this program again: compare times each of our rounds in a fresh process.
 */
export async function benchMain(argv: string[], self: string[] = [process.execPath, ...process.execArgv, process.argv[1]!]): Promise<void> {
  try {
    process.exitCode = await run(argv, self)
  } catch (err) {
    const usage = err instanceof UsageError
    if (usage) log(usageError('flock-bench', err.message))
    else log(`flock-bench: ${err instanceof FlockError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    process.exitCode = usage ? USAGE_EXIT_CODE : 1
  }
}
