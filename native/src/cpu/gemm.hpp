// Deterministic GEMM for the CPU backend:  C[m, f] (+)= Σ_r A[m, r] · B(r, f)
//
// m runs over tokens (activations, fp32), f over output features, r is the
// reduction. B is a frozen weight in its storage dtype (F32/BF16/F16), read
// through strides so both x·Wᵀ (forward) and dy·W (input gradient) use it.
// Every C element is one chain of fused multiply-adds in ascending r, whichever
// instruction set runs (AVX-512, AVX2 or scalar) and however work is split
// across threads, so results are bitwise identical across thread counts and ISAs.
#pragma once
#include <cstdint>

#include "../dtype.hpp"
#include "../thread_pool.hpp"

namespace flk::cpu {

struct GemmB {
  DType dtype;
  const void* data;
  int64_t stride_f;  // elements between B(r, f) and B(r, f + 1)
  int64_t stride_r;  // elements between B(r, f) and B(r + 1, f)
};

// A(m, r) = A[m · lda_m + r · lda_r] (fp32). C is row-major [M, F] with row stride ldc.
void gemm(ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m, int64_t lda_r, const GemmB& B, float* C,
          int64_t ldc, bool accumulate);

// y[T, out] (+)= x[T, in] · Wᵀ for a frozen [out, in] weight, and dx[T, in] (+)= dy[T, out] · W.
inline GemmB weight_t(DType d, const void* w, int64_t in) { return GemmB{d, w, in, 1}; }
inline GemmB weight_n(DType d, const void* w, int64_t in) { return GemmB{d, w, 1, in}; }

// The same with a named instruction set ("avx512" | "avx2" | "scalar"), for tests; an ISA
// the machine lacks falls back to the best it has below it.
void gemm_with_isa(const char* isa, ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m, int64_t lda_r,
                   const GemmB& B, float* C, int64_t ldc, bool accumulate);

// The instruction set gemm uses on this machine: "avx512", "avx2" or "scalar".
// FLOCK_CPU_ISA=scalar|avx2|avx512 forces a lower one (tests, benchmarks).
const char* gemm_isa();
// The ISA gemm_with_isa(name, ...) runs: `name`, or the best below it this machine has.
const char* gemm_isa_capped(const char* name);

}  // namespace flk::cpu
