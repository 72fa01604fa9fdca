/**
 * JSON with every object's keys sorted, so equal values give equal text whatever the key
 * order or formatting they were written with. Used to name a config by its content and,
 * under flock-off-s1, to tell whether two dataset rows are the same row.
 */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(v)
}
