#include "gemm.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace flk::cpu {

namespace {

constexpr int64_t kRC = 256;  // reduction block: a token panel block stays in L2, a strip block in L1

enum class Isa { kScalar, kAvx2, kAvx512 };

Isa detect_isa() {
  Isa best = Isa::kScalar;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::kAvx2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) best = Isa::kAvx512;
#endif
  const char* force = std::getenv("FLOCK_CPU_ISA");
  if (force != nullptr) {
    const std::string f = force;
    const Isa want = f == "scalar" ? Isa::kScalar : f == "avx2" ? Isa::kAvx2 : Isa::kAvx512;
    if (want < best) best = want;
  }
  return best;
}

Isa isa() {
  static const Isa value = detect_isa();
  return value;
}

// Geometry per ISA: P tokens per panel (vector lanes × vectors), MR features per strip.
struct Geometry {
  int64_t P, MR;
};
Geometry geometry(Isa i) {
  switch (i) {
    case Isa::kAvx512: return {32, 12};
    case Isa::kAvx2: return {16, 6};
    case Isa::kScalar: return {8, 4};
  }
  return {8, 4};
}

// Token panels: panel p holds A[p·P + j, r0 + r] at [p][r][j], zero past M.
void pack_panels(ThreadPool& pool, const float* A, int64_t lda_m, int64_t lda_r, int64_t M, int64_t r0, int64_t rc, int64_t P,
                 float* out) {
  const int64_t panels = (M + P - 1) / P;
  pool.parallel_for(panels, 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      float* dst = out + p * rc * P;
      for (int64_t j = 0; j < P; ++j) {
        const int64_t m = p * P + j;
        if (m < M) {
          const float* src = A + m * lda_m + r0 * lda_r;
          for (int64_t r = 0; r < rc; ++r) dst[r * P + j] = src[r * lda_r];
        } else {
          for (int64_t r = 0; r < rc; ++r) dst[r * P + j] = 0.0f;
        }
      }
    }
  });
}

inline float element_f32(DType d, const uint8_t* base, int64_t idx) {
  switch (d) {
    case DType::F32: {
      float f;
      std::memcpy(&f, base + idx * 4, 4);
      return f;
    }
    case DType::BF16: {
      uint16_t h;
      std::memcpy(&h, base + idx * 2, 2);
      return bf16_to_f32(h);
    }
    case DType::F16: {
      uint16_t h;
      std::memcpy(&h, base + idx * 2, 2);
      return f16_to_f32(h);
    }
  }
  return 0.0f;
}

// A strip is MR features × a reduction chunk of B as fp32, element (r, i) at
// base[i · si + r · sr]. Row-major B(·, f) (x·Wᵀ) is used in place when it is F32 and
// otherwise converted row by row (contiguous, no transpose); column layouts (dy·W) are
// gathered into [r][MR] so the kernel reads MR consecutive floats per r.
struct Strip {
  const float* base;
  int64_t si, sr;
};

template <DType D>
void convert_rows(const GemmB& B, int64_t r0, int64_t rc, int64_t f0, int64_t nf, int64_t MR, float* out) {
  const uint8_t* base = static_cast<const uint8_t*>(B.data);
  for (int64_t i = 0; i < nf; ++i) {
    const int64_t start = (f0 + i) * B.stride_f + r0;
    float* row = out + i * rc;
    for (int64_t r = 0; r < rc; ++r) row[r] = element_f32(D, base, start + r);
  }
  std::fill(out + nf * rc, out + MR * rc, 0.0f);
}

template <DType D>
void gather_columns(const GemmB& B, int64_t r0, int64_t rc, int64_t f0, int64_t nf, int64_t MR, float* out) {
  const uint8_t* base = static_cast<const uint8_t*>(B.data);
  for (int64_t r = 0; r < rc; ++r) {
    float* row = out + r * MR;
    if (B.stride_f == 1) {
      const int64_t start = (r0 + r) * B.stride_r + f0;
      for (int64_t i = 0; i < nf; ++i) row[i] = element_f32(D, base, start + i);
    } else {
      for (int64_t i = 0; i < nf; ++i) row[i] = element_f32(D, base, (f0 + i) * B.stride_f + (r0 + r) * B.stride_r);
    }
    for (int64_t i = nf; i < MR; ++i) row[i] = 0.0f;
  }
}

template <DType D>
Strip make_strip_typed(const GemmB& B, int64_t r0, int64_t rc, int64_t f0, int64_t nf, int64_t MR, float* scratch) {
  if (B.stride_r == 1) {
    if (D == DType::F32 && nf == MR) return Strip{static_cast<const float*>(B.data) + f0 * B.stride_f + r0, B.stride_f, 1};
    convert_rows<D>(B, r0, rc, f0, nf, MR, scratch);
    return Strip{scratch, rc, 1};
  }
  gather_columns<D>(B, r0, rc, f0, nf, MR, scratch);
  return Strip{scratch, 1, MR};
}

Strip make_strip(const GemmB& B, int64_t r0, int64_t rc, int64_t f0, int64_t nf, int64_t MR, float* scratch) {
  switch (B.dtype) {
    case DType::F32: return make_strip_typed<DType::F32>(B, r0, rc, f0, nf, MR, scratch);
    case DType::BF16: return make_strip_typed<DType::BF16>(B, r0, rc, f0, nf, MR, scratch);
    case DType::F16: return make_strip_typed<DType::F16>(B, r0, rc, f0, nf, MR, scratch);
  }
  return Strip{scratch, 1, MR};
}

// The tile's C values are staged through a [MR][P] buffer so every kernel sees the same layout.
void load_tile(const float* C, int64_t ldc, int64_t m0, int64_t mn, int64_t f0, int64_t nf, int64_t P, float* tile, bool from_c) {
  std::memset(tile, 0, sizeof(float) * static_cast<size_t>(12 * 32));
  if (!from_c) return;
  for (int64_t i = 0; i < nf; ++i)
    for (int64_t j = 0; j < P; ++j) tile[i * P + j] = j < mn ? C[(m0 + j) * ldc + f0 + i] : 0.0f;
}

void store_tile(float* C, int64_t ldc, int64_t m0, int64_t mn, int64_t f0, int64_t nf, int64_t P, const float* tile) {
  for (int64_t i = 0; i < nf; ++i)
    for (int64_t j = 0; j < mn; ++j) C[(m0 + j) * ldc + f0 + i] = tile[i * P + j];
}

// ---- kernels: tile[i][j] = fma(strip[r][i], panel[r][j], tile[i][j]) for r ascending

void kernel_scalar(const float* panel, const Strip& st, int64_t r0, int64_t rc, float* tile) {
  constexpr int64_t P = 8, MR = 4;
  for (int64_t r = 0; r < rc; ++r)
    for (int64_t i = 0; i < MR; ++i) {
      const float s = st.base[i * st.si + (r0 + r) * st.sr];
      for (int64_t j = 0; j < P; ++j) tile[i * P + j] = std::fma(s, panel[r * P + j], tile[i * P + j]);
    }
}

__attribute__((target("avx2,fma"))) void kernel_avx2(const float* panel, const Strip& st, int64_t r0, int64_t rc, float* tile) {
  constexpr int MR = 6;
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = _mm256_loadu_ps(tile + i * 16);
    acc[i][1] = _mm256_loadu_ps(tile + i * 16 + 8);
  }
  if (st.sr == 1) {
    // strip rows contiguous along r: one pointer per feature
    const float* rows[MR];
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) rows[i] = st.base + i * st.si + r0;
    for (int64_t r = 0; r < rc; ++r) {
      const __m256 b0 = _mm256_loadu_ps(panel + r * 16), b1 = _mm256_loadu_ps(panel + r * 16 + 8);
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i) {
        const __m256 a = _mm256_set1_ps(rows[i][r]);
        acc[i][0] = _mm256_fmadd_ps(a, b0, acc[i][0]);
        acc[i][1] = _mm256_fmadd_ps(a, b1, acc[i][1]);
      }
    }
  } else {
    const float* s = st.base + r0 * st.sr;
    for (int64_t r = 0; r < rc; ++r, s += st.sr) {
      const __m256 b0 = _mm256_loadu_ps(panel + r * 16), b1 = _mm256_loadu_ps(panel + r * 16 + 8);
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i) {
        const __m256 a = _mm256_set1_ps(s[i]);
        acc[i][0] = _mm256_fmadd_ps(a, b0, acc[i][0]);
        acc[i][1] = _mm256_fmadd_ps(a, b1, acc[i][1]);
      }
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    _mm256_storeu_ps(tile + i * 16, acc[i][0]);
    _mm256_storeu_ps(tile + i * 16 + 8, acc[i][1]);
  }
}

__attribute__((target("avx512f,avx512bw,fma"))) void kernel_avx512(const float* panel, const Strip& st, int64_t r0, int64_t rc, float* tile) {
  constexpr int MR = 12;
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = _mm512_loadu_ps(tile + i * 32);
    acc[i][1] = _mm512_loadu_ps(tile + i * 32 + 16);
  }
  if (st.sr == 1) {
    // strip rows contiguous along r: one pointer per feature
    const float* rows[MR];
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) rows[i] = st.base + i * st.si + r0;
    for (int64_t r = 0; r < rc; ++r) {
      const __m512 b0 = _mm512_loadu_ps(panel + r * 32), b1 = _mm512_loadu_ps(panel + r * 32 + 16);
#pragma GCC unroll 12
      for (int i = 0; i < MR; ++i) {
        const __m512 a = _mm512_set1_ps(rows[i][r]);
        acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
      }
    }
  } else {
    const float* s = st.base + r0 * st.sr;
    for (int64_t r = 0; r < rc; ++r, s += st.sr) {
      const __m512 b0 = _mm512_loadu_ps(panel + r * 32), b1 = _mm512_loadu_ps(panel + r * 32 + 16);
#pragma GCC unroll 12
      for (int i = 0; i < MR; ++i) {
        const __m512 a = _mm512_set1_ps(s[i]);
        acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
      }
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    _mm512_storeu_ps(tile + i * 32, acc[i][0]);
    _mm512_storeu_ps(tile + i * 32 + 16, acc[i][1]);
  }
}

}  // namespace

const char* gemm_isa() {
  switch (isa()) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    case Isa::kScalar: return "scalar";
  }
  return "scalar";
}

namespace {
void gemm_impl(Isa which, ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m, int64_t lda_r,
               const GemmB& B, float* C, int64_t ldc, bool accumulate) {
  if (M <= 0 || F <= 0) return;
  const Geometry g = geometry(which);
  const int64_t P = g.P, MR = g.MR;
  auto kernel = which == Isa::kAvx512 ? kernel_avx512 : which == Isa::kAvx2 ? kernel_avx2 : kernel_scalar;
  if (R <= 0) {
    if (!accumulate)
      for (int64_t m = 0; m < M; ++m) std::fill(C + m * ldc, C + m * ldc + F, 0.0f);
    return;
  }
  const int64_t panels = (M + P - 1) / P;
  const int64_t strips = (F + MR - 1) / MR;
  // Work items: one strip × a run of panels. Enough items to keep every thread busy,
  // strips kept whole when there are plenty so each converted strip is reused.
  const int64_t want = static_cast<int64_t>(pool.size()) * 4;
  const int64_t panel_groups = strips >= want ? 1 : std::min(panels, (want + strips - 1) / strips);
  const int64_t panels_per_group = (panels + panel_groups - 1) / panel_groups;
  // Reduction chunk: the whole reduction when the packed A fits in 16 MiB (each tile then
  // meets C once), else kRC-sized chunks whose partial sums go through C.
  const int64_t chunk = M * R * 4 <= (16 << 20) ? R : kRC;
  std::vector<float> packed(static_cast<size_t>(panels * chunk * P));
  for (int64_t c0 = 0; c0 < R; c0 += chunk) {
    const int64_t cn = std::min(chunk, R - c0);
    pack_panels(pool, A, lda_m, lda_r, M, c0, cn, P, packed.data());
    const bool from_c = accumulate || c0 > 0;
    pool.parallel_for(strips * panel_groups, 1, [&](int64_t b, int64_t e) {
      std::vector<float> scratch(static_cast<size_t>(cn * MR));
      Strip strip{nullptr, 0, 0};
      alignas(64) float tile[12 * 32];
      int64_t loaded = -1;
      for (int64_t item = b; item < e; ++item) {
        const int64_t s = item / panel_groups, grp = item % panel_groups;
        const int64_t f0 = s * MR, nf = std::min(MR, F - f0);
        if (loaded != s) {
          strip = make_strip(B, c0, cn, f0, nf, MR, scratch.data());
          loaded = s;
        }
        const int64_t p_end = std::min(panels, (grp + 1) * panels_per_group);
        for (int64_t p = grp * panels_per_group; p < p_end; ++p) {
          const int64_t m0 = p * P, mn = std::min(P, M - m0);
          load_tile(C, ldc, m0, mn, f0, nf, P, tile, from_c);
          // r ascending through L1/L2-sized blocks; the tile stays in this buffer throughout
          const float* panel = packed.data() + p * cn * P;
          for (int64_t r0 = 0; r0 < cn; r0 += kRC) kernel(panel + r0 * P, strip, r0, std::min(kRC, cn - r0), tile);
          store_tile(C, ldc, m0, mn, f0, nf, P, tile);
        }
      }
    });
  }
}

}  // namespace

void gemm(ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m, int64_t lda_r, const GemmB& B, float* C,
          int64_t ldc, bool accumulate) {
  gemm_impl(isa(), pool, M, F, R, A, lda_m, lda_r, B, C, ldc, accumulate);
}

void gemm_with_isa(const char* name, ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m, int64_t lda_r,
                   const GemmB& B, float* C, int64_t ldc, bool accumulate) {
  const std::string n = name;
  const Isa want = n == "scalar" ? Isa::kScalar : n == "avx2" ? Isa::kAvx2 : Isa::kAvx512;
  gemm_impl(std::min(want, isa()), pool, M, F, R, A, lda_m, lda_r, B, C, ldc, accumulate);
}

}  // namespace flk::cpu
