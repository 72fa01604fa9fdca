/** softmax(x / T), computed from the largest value down so that small T cannot overflow. */
export function softmax(values: readonly number[], temperature: number): number[] {
  if (!(temperature > 0)) throw new RangeError(`temperature must be positive, got ${temperature}`)
  if (values.length === 0) return []
  const max = Math.max(...values)
  const exps = values.map((v) => Math.exp((v - max) / temperature))
  const sum = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / sum)
}
