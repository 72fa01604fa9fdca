#include "cpu_peak.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "../profiler.hpp"
#include "gemm.hpp"

namespace flk::cpu {

namespace {

// Best of three: time taken from this thread alone can only be inflated (cache, migration).
template <class F>
double best_seconds(F&& f) {
  double best = 1e30;
  for (int k = 0; k < 3; ++k) {
    const double t0 = cpu_clock_seconds();
    f();
    best = std::min(best, cpu_clock_seconds() - t0);
  }
  return best;
}

constexpr long kAdds = 40'000'000;

double measured_ghz() {
#if defined(__x86_64__)
  const double s = best_seconds([] {
    long x = 0;
    // four dependent adds per iteration; the loop counter runs alongside on another ALU
    __asm__ volatile(
        "mov %1, %%rcx\n"
        "1:\n"
        "add $1, %0\n add $1, %0\n add $1, %0\n add $1, %0\n"
        "sub $1, %%rcx\n"
        "jnz 1b\n"
        : "+r"(x)
        : "r"(kAdds / 4)
        : "rcx", "cc");
  });
  return s > 0 ? static_cast<double>(kAdds) / s / 1e9 : 0.0;
#else
  return 0.0;
#endif
}

constexpr long kFmaIters = 4'000'000;

// Twelve independent FMA chains (more than latency × units on any core), kFmaIters deep.
float fma_loop_scalar() {
  float acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = static_cast<float>(i);
  volatile float a_in = 0.999999f, b_in = 1e-6f;
  const float a = a_in, b = b_in;
  for (long n = 0; n < kFmaIters / 8; ++n)
    for (int i = 0; i < 12; ++i) acc[i] = __builtin_fmaf(acc[i], a, b);
  return acc[0] + acc[11];
}

__attribute__((target("avx2,fma"))) float fma_loop_avx2() {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  volatile float a_in = 0.999999f, b_in = 1e-6f;
  const __m256 a = _mm256_set1_ps(a_in), b = _mm256_set1_ps(b_in);
  for (long n = 0; n < kFmaIters; ++n) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 t = acc[0];
  for (int i = 1; i < 12; ++i) t = _mm256_add_ps(t, acc[i]);
  return _mm256_cvtss_f32(t);
}

__attribute__((target("avx512f,avx512bw,fma"))) float fma_loop_avx512() {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  volatile float a_in = 0.999999f, b_in = 1e-6f;
  const __m512 a = _mm512_set1_ps(a_in), b = _mm512_set1_ps(b_in);
  for (long n = 0; n < kFmaIters; ++n) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 t = acc[0];
  for (int i = 1; i < 12; ++i) t = _mm512_add_ps(t, acc[i]);
  return _mm512_cvtss_f32(t);
}

// GFLOP/s of one of the loops above, whose FMAs each cover `lanes` floats.
double fma_gflops(float (*loop)(), int lanes, long iters) {
  volatile float sink = 0;
  const double s = best_seconds([&] { sink = sink + loop(); });
  return 2.0 * lanes * 12 * static_cast<double>(iters) / s / 1e9;
}

struct Family {
  bool amd = false;
  unsigned family = 0, model = 0;
};

Family cpu_family() {
  Family f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0, &a, &b, &c, &d)) {
    char vendor[13] = {0};
    std::memcpy(vendor, &b, 4);
    std::memcpy(vendor + 4, &d, 4);
    std::memcpy(vendor + 8, &c, 4);
    f.amd = std::strcmp(vendor, "AuthenticAMD") == 0;
  }
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    const unsigned base = (a >> 8) & 0xf, ext = (a >> 20) & 0xff;
    f.family = base == 0xf ? base + ext : base;
    f.model = ((a >> 4) & 0xf) | (base >= 0x6 ? ((a >> 16) & 0xf) << 4 : 0);
  }
#endif
  return f;
}

}  // namespace

CpuPeak cpu_peak(const char* want) {
  CpuPeak p{};
  p.isa = want == nullptr ? gemm_isa() : gemm_isa_capped(want);
  const std::string_view isa = p.isa;
  const Family fam = cpu_family();
  if (isa == "avx512") {
    p.lanes = 16;
    p.fma_units = fam.amd && fam.family == 25 ? 1 : 2;
    p.fma_gflops_per_core = fma_gflops(fma_loop_avx512, 16, kFmaIters);
  } else if (isa == "avx2") {
    p.lanes = 8;
    p.fma_units = fam.amd && fam.family == 23 && fam.model < 0x30 ? 1 : 2;
    p.fma_gflops_per_core = fma_gflops(fma_loop_avx2, 8, kFmaIters);
  } else {
    p.lanes = 1;
    p.fma_units = 2;
    p.fma_gflops_per_core = fma_gflops(fma_loop_scalar, 1, kFmaIters / 8);
  }
  p.flops_per_cycle = 2.0 * p.lanes * p.fma_units;
  p.ghz = measured_ghz();
  return p;
}

}  // namespace flk::cpu
