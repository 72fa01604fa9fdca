#include "vec_math.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "gemm_kernels.hpp"

namespace flk::cpu {

namespace {

constexpr float kHi = 88.0f, kLo = -87.0f;
constexpr float kLog2e = 1.44269504088896341f, kMagic = 12582912.0f;  // 1.5 · 2^23: adding it rounds to an integer
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kC5 = 1.9875691500e-4f, kC4 = 1.3981999507e-3f, kC3 = 8.3334519073e-3f, kC2 = 4.1665795894e-2f,
                kC1 = 1.6666665459e-1f, kC0 = 5.0000001201e-1f;

// ---- scalar: the reference sequence of operations
float exp1(float x) {
  if (x < kLo) return 0.0f;
  if (x > kHi) return std::numeric_limits<float>::infinity();
  const float n = std::fma(x, kLog2e, kMagic) - kMagic;
  float r = std::fma(n, -kLn2Hi, x);
  r = std::fma(n, -kLn2Lo, r);
  float p = kC5;
  p = std::fma(p, r, kC4);
  p = std::fma(p, r, kC3);
  p = std::fma(p, r, kC2);
  p = std::fma(p, r, kC1);
  p = std::fma(p, r, kC0);
  const float z = r * r;
  float y = std::fma(p, z, r);
  y = y + 1.0f;
  const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return y * scale;
}

void exp_scalar(const float* x, float shift, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = exp1(x[i] - shift);
}

double reduce16(double* acc, const float* tail, int64_t nt) {
  for (int w = 8; w >= 1; w /= 2)
    for (int k = 0; k < w; ++k) acc[k] += acc[k + w];
  double s = acc[0];
  for (int64_t i = 0; i < nt; ++i) s += static_cast<double>(tail[i]);
  return s;
}

double exp_sum_scalar(float* x, float shift, int64_t n) {
  double acc[16] = {0};
  const int64_t n16 = n - n % 16;
  for (int64_t i = 0; i < n; ++i) x[i] = exp1(x[i] - shift);
  for (int64_t i = 0; i < n16; i += 16)
    for (int k = 0; k < 16; ++k) acc[k] += static_cast<double>(x[i + k]);
  return reduce16(acc, x + n16, n - n16);
}

// ---- AVX2
__attribute__((target("avx2,fma"))) inline __m256 exp8(__m256 x) {
  const __m256 under = _mm256_cmp_ps(x, _mm256_set1_ps(kLo), _CMP_LT_OQ);
  const __m256 over = _mm256_cmp_ps(x, _mm256_set1_ps(kHi), _CMP_GT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(kLo)), _mm256_set1_ps(kHi));
  const __m256 n = _mm256_sub_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(kLog2e), _mm256_set1_ps(kMagic)), _mm256_set1_ps(kMagic));
  __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Hi), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kC5);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC0));
  const __m256 z = _mm256_mul_ps(r, r);
  __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, z, r), _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
  y = _mm256_andnot_ps(under, y);
  return _mm256_blendv_ps(y, _mm256_set1_ps(std::numeric_limits<float>::infinity()), over);
}

__attribute__((target("avx2,fma"))) void exp_avx2(const float* x, float shift, float* y, int64_t n) {
  const __m256 s = _mm256_set1_ps(shift);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s)));
  for (; i < n; ++i) y[i] = exp1(x[i] - shift);
}

__attribute__((target("avx2,fma"))) double exp_sum_avx2(float* x, float shift, int64_t n) {
  const __m256 s = _mm256_set1_ps(shift);
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  const int64_t n16 = n - n % 16;
  for (int64_t i = 0; i < n16; i += 16) {
    const __m256 e0 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
    const __m256 e1 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), s));
    _mm256_storeu_ps(x + i, e0);
    _mm256_storeu_ps(x + i + 8, e1);
    a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(e0)));
    a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(e0, 1)));
    a2 = _mm256_add_pd(a2, _mm256_cvtps_pd(_mm256_castps256_ps128(e1)));
    a3 = _mm256_add_pd(a3, _mm256_cvtps_pd(_mm256_extractf128_ps(e1, 1)));
  }
  for (int64_t i = n16; i < n; ++i) x[i] = exp1(x[i] - shift);
  alignas(32) double acc[16];
  _mm256_store_pd(acc, a0);
  _mm256_store_pd(acc + 4, a1);
  _mm256_store_pd(acc + 8, a2);
  _mm256_store_pd(acc + 12, a3);
  return reduce16(acc, x + n16, n - n16);
}

// ---- AVX-512 (GCC 12 warns falsely on the intrinsics' undefined initial values)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f,avx512bw,avx512dq,fma"))) inline __m512 exp16(__m512 x) {
  const __mmask16 under = _mm512_cmp_ps_mask(x, _mm512_set1_ps(kLo), _CMP_LT_OQ);
  const __mmask16 over = _mm512_cmp_ps_mask(x, _mm512_set1_ps(kHi), _CMP_GT_OQ);
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(kLo)), _mm512_set1_ps(kHi));
  const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(kLog2e), _mm512_set1_ps(kMagic)), _mm512_set1_ps(kMagic));
  __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kLn2Hi), x);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kC5);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC0));
  const __m512 z = _mm512_mul_ps(r, r);
  __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, z, r), _mm512_set1_ps(1.0f));
  const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  y = _mm512_mul_ps(y, _mm512_castsi512_ps(e));
  y = _mm512_maskz_mov_ps(static_cast<__mmask16>(~under), y);
  return _mm512_mask_mov_ps(y, over, _mm512_set1_ps(std::numeric_limits<float>::infinity()));
}

__attribute__((target("avx512f,avx512bw,avx512dq,fma"))) void exp_avx512(const float* x, float shift, float* y, int64_t n) {
  const __m512 s = _mm512_set1_ps(shift);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), s)));
  for (; i < n; ++i) y[i] = exp1(x[i] - shift);
}

__attribute__((target("avx512f,avx512bw,avx512dq,fma"))) double exp_sum_avx512(float* x, float shift, int64_t n) {
  const __m512 s = _mm512_set1_ps(shift);
  __m512d a0 = _mm512_setzero_pd(), a1 = a0;
  const int64_t n16 = n - n % 16;
  for (int64_t i = 0; i < n16; i += 16) {
    const __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), s));
    _mm512_storeu_ps(x + i, e);
    a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
    a1 = _mm512_add_pd(a1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(e, 1)));
  }
  for (int64_t i = n16; i < n; ++i) x[i] = exp1(x[i] - shift);
  alignas(64) double acc[16];
  _mm512_store_pd(acc, a0);
  _mm512_store_pd(acc + 8, a1);
  return reduce16(acc, x + n16, n - n16);
}

#pragma GCC diagnostic pop

}  // namespace

void exp_shifted(const float* x, float shift, float* y, int64_t n, kernels::Isa isa) {
  switch (std::min(isa, kernels::active_isa())) {
    case kernels::Isa::kAvx512: return exp_avx512(x, shift, y, n);
    case kernels::Isa::kAvx2: return exp_avx2(x, shift, y, n);
    case kernels::Isa::kScalar: return exp_scalar(x, shift, y, n);
  }
}

double exp_shifted_sum(float* x, float shift, int64_t n, kernels::Isa isa) {
  switch (std::min(isa, kernels::active_isa())) {
    case kernels::Isa::kAvx512: return exp_sum_avx512(x, shift, n);
    case kernels::Isa::kAvx2: return exp_sum_avx2(x, shift, n);
    case kernels::Isa::kScalar: break;
  }
  return exp_sum_scalar(x, shift, n);
}

__attribute__((target_clones("avx512f", "avx2", "default"))) float array_max(const float* x, int64_t n) {
  float m[16];
  for (int k = 0; k < 16; ++k) m[k] = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; ++k) m[k] = x[i + k] > m[k] ? x[i + k] : m[k];
  float r = -std::numeric_limits<float>::infinity();
  for (int k = 0; k < 16; ++k) r = m[k] > r ? m[k] : r;
  for (; i < n; ++i) r = x[i] > r ? x[i] : r;
  return r;
}

void sigmoid(const float* x, float* y, int64_t n) {
  constexpr int64_t kBlock = 512;
  float neg[kBlock];
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t m = n - b < kBlock ? n - b : kBlock;
    for (int64_t i = 0; i < m; ++i) neg[i] = -x[b + i];
    exp_shifted(neg, 0.0f, neg, m);
    for (int64_t i = 0; i < m; ++i) y[b + i] = 1.0f / (1.0f + neg[i]);
  }
}

}  // namespace flk::cpu
