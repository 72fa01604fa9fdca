/** Reading the Prometheus text format in tests. */

/** `name{labels} value` lines of a Prometheus text exposition, by series, labels sorted by name. */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels = m[2] ? m[2].split(',').sort().join(',') : ''
    out.set(labels ? `${m[1]}{${labels}}` : m[1]!, Number(m[3]))
  }
  return out
}
