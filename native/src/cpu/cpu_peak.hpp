// The FP32 peak the benchmarks divide by: cores × clock × FLOP per cycle of the
// instruction set the GEMM uses.
//
//   FLOP/cycle = 2 (an FMA is two FLOPs) × fp32 lanes of the vector × FMA units.
//   FMA units: 2 for AVX2 on every x86 core with FMA since Haswell / Zen 2 (Zen 1 and
//   Zen+ split a 256-bit FMA into two 128-bit halves: 1); AVX-512 counts 2 full-width
//   units except AMD Zen 4 (family 25), which issues 512-bit FMAs as two 256-bit halves
//   (1). Xeons with a single 512-bit FMA unit (some Silver/Bronze parts) are overstated.
//   The clock is measured, not read from /proc/cpuinfo (a VM reports its TSC rate there):
//   a chain of dependent integer adds retires one add per cycle, so adds per second of
//   this thread's CPU time is the clock one busy core runs at. With every core busy on
//   vector work the clock may be lower, so the peak is an upper bound.
//   fma_gflops_per_core runs independent FMA chains on the same ISA for a check of the
//   table: it should come out near ghz × flops_per_cycle.
#pragma once

namespace flk::cpu {

struct CpuPeak {
  const char* isa;          // the GEMM's: "avx512" | "avx2" | "scalar"
  int lanes;                // fp32 lanes per vector of that ISA
  int fma_units;            // FMA instructions per cycle per core (table above)
  double flops_per_cycle;   // 2 · lanes · fma_units
  double ghz;               // measured clock of one busy core (0 where it cannot be measured)
  double fma_gflops_per_core;  // measured FMA throughput of one core on that ISA
};

// The peak of `isa` ("avx512" | "avx2" | "scalar", capped at what the machine has), or of
// the ISA the GEMM uses when null. Measures (about 0.1 s of one thread's time): call it
// outside timed regions.
CpuPeak cpu_peak(const char* isa = nullptr);

}  // namespace flk::cpu
