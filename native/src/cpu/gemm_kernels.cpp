#include "gemm_kernels.hpp"

#include <immintrin.h>

#include <cmath>

namespace flk::cpu::kernels {

namespace {

// ---- scalar (any x86-64): the reference the vector kernels must match bit for bit

void tokens_scalar(const float* panel, const float* const* brow, int64_t kc, float* tile, bool load) {
  constexpr int64_t P = 8, MR = 4;
  if (!load)
    for (int64_t i = 0; i < MR * P; ++i) tile[i] = 0.0f;
  for (int64_t r = 0; r < kc; ++r)
    for (int64_t i = 0; i < MR; ++i) {
      const float s = brow[i][r];
      for (int64_t j = 0; j < P; ++j) tile[i * P + j] = std::fma(s, panel[r * P + j], tile[i * P + j]);
    }
}

void features_scalar(const float* const* arow, const float* b, int64_t ldb, int64_t kc, float* c, int64_t ldc, bool load) {
  constexpr int64_t MT = 4, NR = 8;
  float acc[MT][NR];
  for (int64_t i = 0; i < MT; ++i)
    for (int64_t v = 0; v < NR; ++v) acc[i][v] = load ? c[i * ldc + v] : 0.0f;
  for (int64_t r = 0; r < kc; ++r)
    for (int64_t i = 0; i < MT; ++i) {
      const float a = arow[i][r];
      for (int64_t v = 0; v < NR; ++v) acc[i][v] = std::fma(a, b[r * ldb + v], acc[i][v]);
    }
  for (int64_t i = 0; i < MT; ++i)
    for (int64_t v = 0; v < NR; ++v) c[i * ldc + v] = acc[i][v];
}

// ---- AVX2 + FMA: 6 × 16 tiles, 12 accumulators of the 16 ymm registers

__attribute__((target("avx2,fma"))) void tokens_avx2(const float* panel, const float* const* brow, int64_t kc, float* tile, bool load) {
  constexpr int MR = 6;
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = load ? _mm256_loadu_ps(tile + i * 16) : _mm256_setzero_ps();
    acc[i][1] = load ? _mm256_loadu_ps(tile + i * 16 + 8) : _mm256_setzero_ps();
  }
  const float *b0 = brow[0], *b1 = brow[1], *b2 = brow[2], *b3 = brow[3], *b4 = brow[4], *b5 = brow[5];
  for (int64_t r = 0; r < kc; ++r) {
    const __m256 p0 = _mm256_loadu_ps(panel + r * 16), p1 = _mm256_loadu_ps(panel + r * 16 + 8);
    __m256 a;
    a = _mm256_broadcast_ss(b0 + r), acc[0][0] = _mm256_fmadd_ps(a, p0, acc[0][0]), acc[0][1] = _mm256_fmadd_ps(a, p1, acc[0][1]);
    a = _mm256_broadcast_ss(b1 + r), acc[1][0] = _mm256_fmadd_ps(a, p0, acc[1][0]), acc[1][1] = _mm256_fmadd_ps(a, p1, acc[1][1]);
    a = _mm256_broadcast_ss(b2 + r), acc[2][0] = _mm256_fmadd_ps(a, p0, acc[2][0]), acc[2][1] = _mm256_fmadd_ps(a, p1, acc[2][1]);
    a = _mm256_broadcast_ss(b3 + r), acc[3][0] = _mm256_fmadd_ps(a, p0, acc[3][0]), acc[3][1] = _mm256_fmadd_ps(a, p1, acc[3][1]);
    a = _mm256_broadcast_ss(b4 + r), acc[4][0] = _mm256_fmadd_ps(a, p0, acc[4][0]), acc[4][1] = _mm256_fmadd_ps(a, p1, acc[4][1]);
    a = _mm256_broadcast_ss(b5 + r), acc[5][0] = _mm256_fmadd_ps(a, p0, acc[5][0]), acc[5][1] = _mm256_fmadd_ps(a, p1, acc[5][1]);
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    _mm256_storeu_ps(tile + i * 16, acc[i][0]);
    _mm256_storeu_ps(tile + i * 16 + 8, acc[i][1]);
  }
}

__attribute__((target("avx2,fma"))) void features_avx2(const float* const* arow, const float* b, int64_t ldb, int64_t kc, float* c,
                                                        int64_t ldc, bool load) {
  constexpr int MT = 6;
  __m256 acc[MT][2];
#pragma GCC unroll 6
  for (int i = 0; i < MT; ++i) {
    acc[i][0] = load ? _mm256_loadu_ps(c + i * ldc) : _mm256_setzero_ps();
    acc[i][1] = load ? _mm256_loadu_ps(c + i * ldc + 8) : _mm256_setzero_ps();
  }
  const float *a0 = arow[0], *a1 = arow[1], *a2 = arow[2], *a3 = arow[3], *a4 = arow[4], *a5 = arow[5];
  for (int64_t r = 0; r < kc; ++r, b += ldb) {
    const __m256 q0 = _mm256_loadu_ps(b), q1 = _mm256_loadu_ps(b + 8);
    __m256 a;
    a = _mm256_broadcast_ss(a0 + r), acc[0][0] = _mm256_fmadd_ps(a, q0, acc[0][0]), acc[0][1] = _mm256_fmadd_ps(a, q1, acc[0][1]);
    a = _mm256_broadcast_ss(a1 + r), acc[1][0] = _mm256_fmadd_ps(a, q0, acc[1][0]), acc[1][1] = _mm256_fmadd_ps(a, q1, acc[1][1]);
    a = _mm256_broadcast_ss(a2 + r), acc[2][0] = _mm256_fmadd_ps(a, q0, acc[2][0]), acc[2][1] = _mm256_fmadd_ps(a, q1, acc[2][1]);
    a = _mm256_broadcast_ss(a3 + r), acc[3][0] = _mm256_fmadd_ps(a, q0, acc[3][0]), acc[3][1] = _mm256_fmadd_ps(a, q1, acc[3][1]);
    a = _mm256_broadcast_ss(a4 + r), acc[4][0] = _mm256_fmadd_ps(a, q0, acc[4][0]), acc[4][1] = _mm256_fmadd_ps(a, q1, acc[4][1]);
    a = _mm256_broadcast_ss(a5 + r), acc[5][0] = _mm256_fmadd_ps(a, q0, acc[5][0]), acc[5][1] = _mm256_fmadd_ps(a, q1, acc[5][1]);
  }
#pragma GCC unroll 6
  for (int i = 0; i < MT; ++i) {
    _mm256_storeu_ps(c + i * ldc, acc[i][0]);
    _mm256_storeu_ps(c + i * ldc + 8, acc[i][1]);
  }
}

// ---- AVX-512: 12 × 32 tiles, 24 accumulators of the 32 zmm registers

__attribute__((target("avx512f,avx512bw,fma"))) void tokens_avx512(const float* panel, const float* const* brow, int64_t kc, float* tile,
                                                                    bool load) {
  constexpr int MR = 12;
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = load ? _mm512_loadu_ps(tile + i * 32) : _mm512_setzero_ps();
    acc[i][1] = load ? _mm512_loadu_ps(tile + i * 32 + 16) : _mm512_setzero_ps();
  }
  const float* rows[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) rows[i] = brow[i];
  for (int64_t r = 0; r < kc; ++r) {
    const __m512 p0 = _mm512_loadu_ps(panel + r * 32), p1 = _mm512_loadu_ps(panel + r * 32 + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      const __m512 a = _mm512_set1_ps(rows[i][r]);
      acc[i][0] = _mm512_fmadd_ps(a, p0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, p1, acc[i][1]);
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    _mm512_storeu_ps(tile + i * 32, acc[i][0]);
    _mm512_storeu_ps(tile + i * 32 + 16, acc[i][1]);
  }
}

__attribute__((target("avx512f,avx512bw,fma"))) void features_avx512(const float* const* arow, const float* b, int64_t ldb, int64_t kc,
                                                                      float* c, int64_t ldc, bool load) {
  constexpr int MT = 12;
  __m512 acc[MT][2];
#pragma GCC unroll 12
  for (int i = 0; i < MT; ++i) {
    acc[i][0] = load ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();
    acc[i][1] = load ? _mm512_loadu_ps(c + i * ldc + 16) : _mm512_setzero_ps();
  }
  const float* rows[MT];
#pragma GCC unroll 12
  for (int i = 0; i < MT; ++i) rows[i] = arow[i];
  for (int64_t r = 0; r < kc; ++r, b += ldb) {
    const __m512 q0 = _mm512_loadu_ps(b), q1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MT; ++i) {
      const __m512 a = _mm512_set1_ps(rows[i][r]);
      acc[i][0] = _mm512_fmadd_ps(a, q0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, q1, acc[i][1]);
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < MT; ++i) {
    _mm512_storeu_ps(c + i * ldc, acc[i][0]);
    _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]);
  }
}

const KernelSet kScalarSet{{8, 4}, tokens_scalar, {4, 8}, features_scalar};
const KernelSet kAvx2Set{{16, 6}, tokens_avx2, {6, 16}, features_avx2};
const KernelSet kAvx512Set{{32, 12}, tokens_avx512, {12, 32}, features_avx512};

}  // namespace

const KernelSet& kernel_set(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return kAvx512Set;
    case Isa::kAvx2: return kAvx2Set;
    case Isa::kScalar: return kScalarSet;
  }
  return kScalarSet;
}

}  // namespace flk::cpu::kernels
