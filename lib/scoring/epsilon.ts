/** The earlier commitment's advantage, decaying linearly with its age in blocks. */
export interface EpsilonDecay {
  epsilonStart: number
  epsilonEnd: number
  epsilonDecayBlocks: number
}

export function epsilonAt(ageBlocks: number, d: EpsilonDecay): number {
  const age = Math.max(0, ageBlocks)
  if (age >= d.epsilonDecayBlocks) return d.epsilonEnd
  return d.epsilonStart + ((d.epsilonEnd - d.epsilonStart) * age) / d.epsilonDecayBlocks
}
