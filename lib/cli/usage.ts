/** Minimal argument handling shared by the bins until their real commands land. */
export interface CliSpec {
  name: string
  summary: string
  usage: string
}

/** Prints usage for --help/-h/no args; exits 2 on anything else (no command is implemented yet). */
export function runUsageOnly(spec: CliSpec, argv: string[]): number {
  const text = `${spec.name} — ${spec.summary}\n\nUsage:\n${spec.usage}\n`
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(text)
    return 0
  }
  process.stderr.write(`${spec.name}: '${argv.join(' ')}' is not available in this version\n\n${text}`)
  return 2
}
