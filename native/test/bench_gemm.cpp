// GEMM throughput on the linear shapes of a qwen2.5-0.5b layer, per ISA, against the
// ISA's FP32 peak (not a test):
//   bench_gemm [threads=1] [tokens=512] [reps=5]
// Timed by CPU time (best of reps) so that time the machine gives to other work does not
// count: one thread by its own, more by the whole process's, scaled by the thread count
// (time spent waiting for the other threads is then not counted either).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "cpu/cpu_peak.hpp"
#include "cpu/gemm.hpp"
#include "profiler.hpp"

namespace {
double now(bool thread_clock) { return flk::cpu_clock_seconds(thread_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID); }
}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int64_t T = argc > 2 ? std::atoll(argv[2]) : 512;
  const int reps = argc > 3 ? std::atoi(argv[3]) : 5;
  const bool thread_clock = threads == 1;
  flk::ThreadPool pool(threads);
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  struct Shape {
    const char* name;
    int64_t out, in, tokens;
  };
  const Shape shapes[] = {{"q/o 896x896", 896, 896, T},
                          {"k/v 128x896", 128, 896, T},
                          {"gate/up 4864x896", 4864, 896, T},
                          {"down 896x4864", 896, 4864, T},
                          {"lm_head 151936x896", 151936, 896, std::min<int64_t>(T, 256)}};
  std::vector<const char*> isas;
  // The scalar kernels only where nothing faster runs: they take minutes on these shapes.
  for (const char* isa : {"avx512", "avx2", "scalar"})
    if (std::strcmp(flk::cpu::gemm_isa_capped(isa), isa) == 0 && (isas.empty() || std::strcmp(isa, "scalar") != 0)) isas.push_back(isa);
  std::printf("%d thread%s (%s), %lld tokens, best of %d\n", threads, threads == 1 ? "" : "s",
              thread_clock ? "thread CPU time" : "process CPU time / threads", static_cast<long long>(T), reps);
  // measured once per ISA: the header and every percentage below divide by the same clock reading
  std::vector<flk::cpu::CpuPeak> peaks;
  for (const char* isa : isas) peaks.push_back(flk::cpu::cpu_peak(isa));
  for (size_t k = 0; k < isas.size(); ++k) {
    const char* isa = isas[k];
    const flk::cpu::CpuPeak& p = peaks[k];
    std::printf("%-7s peak %.1f GFLOP/s per core (%.2f GHz measured × %.0f FLOP/cycle); FMA loop %.1f GFLOP/s\n", isa,
                p.ghz * p.flops_per_cycle, p.ghz, p.flops_per_cycle, p.fma_gflops_per_core);
  }
  for (const Shape& s : shapes) {
    const int64_t t = s.tokens;
    std::vector<float> x(t * s.in), w(s.out * s.in), y(t * s.out), dx(t * s.in);
    for (auto& v : x) v = nd(rng);
    for (auto& v : w) v = nd(rng);
    for (int dir = 0; dir < 2; ++dir) {
      std::printf("  %-20s %s", s.name, dir == 0 ? "x·Wᵀ" : "dy·W");
      for (size_t k = 0; k < isas.size(); ++k) {
        const char* isa = isas[k];
        const flk::cpu::CpuPeak& p = peaks[k];
        auto run = [&] {
          if (dir == 0)
            flk::cpu::gemm_with_isa(isa, pool, t, s.out, s.in, x.data(), s.in, 1, flk::cpu::weight_t(flk::DType::F32, w.data(), s.in),
                                    y.data(), s.out, false);
          else
            flk::cpu::gemm_with_isa(isa, pool, t, s.in, s.out, y.data(), s.out, 1, flk::cpu::weight_n(flk::DType::F32, w.data(), s.in),
                                    dx.data(), s.in, false);
        };
        run();
        double best = 1e30;
        for (int i = 0; i < reps; ++i) {
          const double t0 = now(thread_clock);
          run();
          best = std::min(best, (now(thread_clock) - t0) / threads);
        }
        const double gflops = 2.0 * t * s.out * s.in / best / 1e9;
        std::printf("   %s %6.1f GFLOP/s %3.0f%%", isa, gflops, 100 * gflops / (p.ghz * p.flops_per_cycle * threads));
      }
      std::printf("\n");
    }
  }
  return 0;
}
