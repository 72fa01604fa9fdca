/** The machine's FP32 peak that the bench divides achieved GFLOP/s by. */
import { availableParallelism } from 'node:os'

import { loadAddon } from '../native/load-addon.js'

export const PEAK_METHOD =
  'cores × clock × FLOP/cycle: cores = threads used (at most the CPUs); FLOP/cycle = 2 × fp32 lanes of the ISA the CPU kernels use × FMA units per core ' +
  '(2 for AVX2 since Haswell/Zen 2; AVX-512 2 except Zen 4, 1); clock measured by a chain of dependent integer adds on one busy core ' +
  '(a VM reports its TSC rate in /proc/cpuinfo), so an upper bound when every core runs vector code. fma_loop_gflops_per_core is the same ' +
  'ISA timed on independent FMA chains, a check of the table.'

export interface CpuPeak {
  isa: string
  lanes: number
  fma_units: number
  flops_per_cycle: number
  ghz: number
  cores: number
  peak_gflops: number
  fma_loop_gflops_per_core: number
  method: string
}

const round1 = (x: number) => Math.round(x * 10) / 10

/** Measures (about 0.1 s): call it outside timed regions. */
export function cpuPeak(threads: number): CpuPeak {
  const p = loadAddon().cpuPeak()
  const cores = Math.min(threads > 0 ? threads : availableParallelism(), availableParallelism())
  return {
    isa: p.isa,
    lanes: p.lanes,
    fma_units: p.fmaUnits,
    flops_per_cycle: p.flopsPerCycle,
    ghz: Math.round(p.ghz * 100) / 100,
    cores,
    peak_gflops: round1(cores * p.ghz * p.flopsPerCycle),
    fma_loop_gflops_per_core: round1(p.fmaGflopsPerCore),
    method: PEAK_METHOD,
  }
}
