/** The package's version, as `--version` prints it (read from package.json beside lib/ or dist/lib/). */
import { readFileSync } from 'node:fs'

let cached: string | undefined

export function packageVersion(): string {
  if (cached) return cached
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const doc = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (doc.name === '@flock/lora' && typeof doc.version === 'string') return (cached = doc.version)
    } catch {
      // not at this depth
    }
  }
  return (cached = 'unknown')
}
