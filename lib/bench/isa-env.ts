/**
 * `flock-bench compare --isa avx2`: both sides held to AVX2 on a machine that has more,
 * to measure what an AVX2-only CPU would see. Ours reads FLOCK_CPU_ISA; PyTorch's own
 * kernels read ATEN_CPU_CAPABILITY, oneDNN ONEDNN_MAX_CPU_ISA and MKL
 * MKL_ENABLE_INSTRUCTIONS. The reference reports the capability ATen ended up with
 * (`cpu_capability`); MKL on AMD CPUs picks its own code path whatever the variable says.
 */
import { InvalidArgumentError } from '../errors.js'

export const BENCH_ISAS = ['native', 'avx2'] as const
export type BenchIsa = (typeof BENCH_ISAS)[number]

export interface SideEnvironment {
  ours: Record<string, string>
  reference: Record<string, string>
}

export function parseBenchIsa(text: string): BenchIsa {
  if ((BENCH_ISAS as readonly string[]).includes(text)) return text as BenchIsa
  throw new InvalidArgumentError(`--isa: expected ${BENCH_ISAS.join(' or ')}, got ${JSON.stringify(text)}`)
}

export function isaEnvironment(isa: BenchIsa): SideEnvironment {
  if (isa === 'native') return { ours: {}, reference: {} }
  return { ours: { FLOCK_CPU_ISA: 'avx2' }, reference: { ATEN_CPU_CAPABILITY: 'avx2', ONEDNN_MAX_CPU_ISA: 'AVX2', MKL_ENABLE_INSTRUCTIONS: 'AVX2' } }
}
