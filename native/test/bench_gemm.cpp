// GEMM throughput on the linear shapes of a qwen2.5-0.5b layer (not a test):
//   bench_gemm [threads] [tokens]      FLOCK_CPU_ISA=avx2|scalar forces a lower ISA
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "cpu/gemm.hpp"

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const int64_t T = argc > 2 ? std::atoll(argv[2]) : 512;
  flk::ThreadPool pool(threads);
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  struct Shape { const char* name; int64_t out, in; };
  const Shape shapes[] = {{"q/o 896x896", 896, 896}, {"gate/up 4864x896", 4864, 896}, {"down 896x4864", 896, 4864}, {"lm_head chunk 151936x896", 151936, 896}};
  std::printf("isa %s, %d threads, %lld tokens\n", flk::cpu::gemm_isa(), threads, static_cast<long long>(T));
  for (const Shape& s : shapes) {
    const int64_t t = s.out > 100000 ? 256 : T;
    std::vector<float> x(t * s.in), w(s.out * s.in), y(t * s.out), dx(t * s.in);
    for (auto& v : x) v = nd(rng);
    for (auto& v : w) v = nd(rng);
    for (int dir = 0; dir < 2; ++dir) {
      auto run = [&] {
        if (dir == 0) flk::cpu::gemm(pool, t, s.out, s.in, x.data(), s.in, 1, flk::cpu::weight_t(flk::DType::F32, w.data(), s.in), y.data(), s.out, false);
        else flk::cpu::gemm(pool, t, s.in, s.out, y.data(), s.out, 1, flk::cpu::weight_n(flk::DType::F32, w.data(), s.in), dx.data(), s.in, false);
      };
      run();
      const int reps = 5;
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < reps; ++i) run();
      const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
      std::printf("  %-26s %s  %7.1f GFLOP/s\n", s.name, dir == 0 ? "x·Wᵀ " : "dy·W ", 2.0 * t * s.out * s.in / sec / 1e9);
    }
  }
  return 0;
}
