import { inspect } from 'node:util'

// Captures what the process writes to stdout and stderr (console included) while `run` runs.
export async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; output: string }> {
  const chunks: string[] = []
  const streams = [process.stdout, process.stderr] as const
  const originals = streams.map((s) => s.write)
  streams.forEach((s) => {
    s.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      cb?.()
      return true
    }) as typeof s.write
  })
  try {
    return { result: await run(), error: undefined, output: chunks.join('') }
  } catch (error) {
    return { result: undefined, error, output: chunks.join('') }
  } finally {
    streams.forEach((s, i) => (s.write = originals[i]!))
  }
}

/** Every way an error can be shown: message, stack, inspected form, causes. */
export function renderError(err: unknown): string {
  return inspect(err, { depth: 10, showHidden: true }) + String((err as Error)?.stack ?? '')
}
