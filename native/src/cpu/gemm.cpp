// Blocking, packing and threading of the GEMM around the micro-kernels of gemm_kernels.cpp.
// Work is split across threads by output tiles only (never along the reduction), and each
// tile's reduction runs in ascending blocks of r whose partial sums pass through C as
// fp32, so every C element is one FMA chain whatever the split, the blocks or the ISA.
#include "gemm.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gemm_kernels.hpp"

namespace flk::cpu {

namespace {

using kernels::Isa;
using kernels::KernelSet;

// Reduction block: an A block of a few hundred tokens stays in L2, a B block in L1.
constexpr int64_t kKC = 256;

Isa isa_named(const std::string& n) { return n == "scalar" ? Isa::kScalar : n == "avx2" ? Isa::kAvx2 : Isa::kAvx512; }

const char* isa_name(Isa i) {
  switch (i) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    case Isa::kScalar: return "scalar";
  }
  return "scalar";
}

Isa detect_isa() {
  Isa best = Isa::kScalar;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::kAvx2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) best = Isa::kAvx512;
#endif
  const char* force = std::getenv("FLOCK_CPU_ISA");
  if (force != nullptr) best = std::min(best, isa_named(force));
  return best;
}

Isa isa() {
  static const Isa value = detect_isa();
  return value;
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

// B(r, f) as fp32 for rows [r0, r0 + rc) of features [f0, f0 + nf), written as `out[i][r]`
// (row_major_f = false: one row of rc floats per feature) or `out[r][i]` (true, rows of
// `width` floats); zero-padded to `width` features.
template <DType D>
void convert_b(const GemmB& B, int64_t r0, int64_t rc, int64_t f0, int64_t nf, int64_t width, bool by_r, float* out) {
  const uint8_t* base = static_cast<const uint8_t*>(B.data);
  for (int64_t i = 0; i < width; ++i)
    for (int64_t r = 0; r < rc; ++r) {
      const float v = i < nf ? element_f32(D, base, (f0 + i) * B.stride_f + (r0 + r) * B.stride_r) : 0.0f;
      (by_r ? out[r * width + i] : out[i * rc + r]) = v;
    }
}

void convert_block(const GemmB& B, int64_t r0, int64_t rc, int64_t f0, int64_t nf, int64_t width, bool by_r, float* out) {
  switch (B.dtype) {
    case DType::F32: return convert_b<DType::F32>(B, r0, rc, f0, nf, width, by_r, out);
    case DType::BF16: return convert_b<DType::BF16>(B, r0, rc, f0, nf, width, by_r, out);
    case DType::F16: return convert_b<DType::F16>(B, r0, rc, f0, nf, width, by_r, out);
  }
}

// ---- by tokens: B contiguous along r (x·Wᵀ)

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

void gemm_by_tokens(const KernelSet& ks, ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m, int64_t lda_r,
                    const GemmB& B, float* C, int64_t ldc, bool accumulate) {
  const int64_t P = ks.tg.P, MR = ks.tg.MR;
  const int64_t panels = (M + P - 1) / P;
  const int64_t strips = (F + MR - 1) / MR;
  // Work items: a run of strips × a run of panels, each run by one thread. Within an item,
  // panels go in blocks that stay in L2 (a block of packed A is then read from L2 by every
  // strip of the item, not streamed from L3 once per strip), strips inner, r innermost.
  const int64_t want = static_cast<int64_t>(pool.size()) * 4;
  const int64_t strip_parts = std::min(strips, want);
  const int64_t panel_groups = strips >= want ? 1 : std::min(panels, (want + strips - 1) / strips);
  const int64_t strips_per = (strips + strip_parts - 1) / strip_parts;
  const int64_t panels_per_group = (panels + panel_groups - 1) / panel_groups;
  // Reduction chunk: the whole reduction when the packed A fits in 16 MiB (each tile then
  // meets C once), else kKC-sized chunks whose partial sums go through C.
  const int64_t chunk = M * R * 4 <= (16 << 20) ? R : kKC;
  const int64_t block_panels = std::max<int64_t>(1, (512 << 10) / (P * chunk * 4));
  const bool in_place = B.dtype == DType::F32;
  std::vector<float> packed(static_cast<size_t>(panels * chunk * P));
  for (int64_t c0 = 0; c0 < R; c0 += chunk) {
    const int64_t cn = std::min(chunk, R - c0);
    pack_panels(pool, A, lda_m, lda_r, M, c0, cn, P, packed.data());
    const bool from_c = accumulate || c0 > 0;
    pool.parallel_for(strip_parts * panel_groups, 1, [&](int64_t b, int64_t e) {
      std::vector<float> scratch;
      const float* rows[kernels::kMaxTile];
      const float* at[kernels::kMaxTile];
      alignas(64) float tile[kernels::kMaxTile];
      for (int64_t item = b; item < e; ++item) {
        const int64_t s0 = (item / panel_groups) * strips_per, s1 = std::min(strips, s0 + strips_per);
        const int64_t grp = item % panel_groups;
        const int64_t pg0 = grp * panels_per_group, pg1 = std::min(panels, pg0 + panels_per_group);
        for (int64_t pb = pg0; pb < pg1; pb += block_panels) {
          const int64_t pe = std::min(pg1, pb + block_panels);
          for (int64_t s = s0; s < s1; ++s) {
            const int64_t f0 = s * MR, nf = std::min(MR, F - f0);
            if (in_place && nf == MR) {
              for (int64_t i = 0; i < MR; ++i) rows[i] = static_cast<const float*>(B.data) + (f0 + i) * B.stride_f + c0;
            } else {
              scratch.resize(static_cast<size_t>(MR * cn));
              convert_block(B, c0, cn, f0, nf, MR, false, scratch.data());
              for (int64_t i = 0; i < MR; ++i) rows[i] = scratch.data() + i * cn;
            }
            for (int64_t p = pb; p < pe; ++p) {
              const int64_t m0 = p * P, mn = std::min(P, M - m0);
              if (from_c) {
                std::fill(tile, tile + MR * P, 0.0f);
                for (int64_t j = 0; j < mn; ++j)
                  for (int64_t i = 0; i < nf; ++i) tile[i * P + j] = C[(m0 + j) * ldc + f0 + i];
              }
              // r ascending through L1/L2-sized blocks; the tile stays in this buffer throughout
              const float* panel = packed.data() + p * cn * P;
              for (int64_t r0 = 0; r0 < cn; r0 += kKC) {
                for (int64_t i = 0; i < MR; ++i) at[i] = rows[i] + r0;
                ks.by_tokens(panel + r0 * P, at, std::min(kKC, cn - r0), tile, from_c || r0 > 0);
              }
              for (int64_t j = 0; j < mn; ++j)
                for (int64_t i = 0; i < nf; ++i) C[(m0 + j) * ldc + f0 + i] = tile[i * P + j];
            }
          }
        }
      }
    });
  }
}

// ---- by features: B contiguous along f (dy·W), or any other layout (converted)

void gemm_by_features(const KernelSet& ks, ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m,
                      int64_t lda_r, const GemmB& B, float* C, int64_t ldc, bool accumulate) {
  const int64_t MT = ks.fg.MT, NR = ks.fg.NR;
  const int64_t strips = (F + NR - 1) / NR, groups = (M + MT - 1) / MT;
  const bool a_in_place = lda_r == 1;
  const bool b_in_place = B.dtype == DType::F32 && B.stride_f == 1;
  // Items are rectangles of strips × token groups, each run by one thread through the whole
  // reduction. Each item reads all of its A rows and B columns, so the split is along the
  // dimension whose operand is cheaper to read again: strips re-read A, token groups B.
  // Three items a thread even out uneven progress, unless the operand read again is too big
  // to stay in the last-level cache (the LM head's input gradient reads 150 MB of logits).
  const bool by_strips = M * R <= R * F;
  const int64_t reread_bytes = 4 * (by_strips ? M : F) * R;
  const int64_t want = static_cast<int64_t>(pool.size()) * (reread_bytes <= (8 << 20) ? 3 : 1);
  int64_t strip_parts = 1, group_parts = 1;
  if (by_strips)
    strip_parts = std::min(strips, want);
  else
    group_parts = std::min(groups, want);
  if (strip_parts * group_parts < want) {
    if (strip_parts == 1) strip_parts = std::min(strips, (want + group_parts - 1) / group_parts);
    else group_parts = std::min(groups, (want + strip_parts - 1) / strip_parts);
  }
  const int64_t strips_per = (strips + strip_parts - 1) / strip_parts, groups_per = (groups + group_parts - 1) / group_parts;
  pool.parallel_for(strip_parts * group_parts, 1, [&](int64_t b, int64_t e) {
    std::vector<float> bbuf(b_in_place ? 0 : static_cast<size_t>(kKC * NR)), abuf;
    const float* arow[kernels::kMaxTile];
    alignas(64) float tile[kernels::kMaxTile];
    for (int64_t item = b; item < e; ++item) {
      const int64_t s0 = (item / group_parts) * strips_per, s1 = std::min(strips, s0 + strips_per);
      const int64_t g0 = (item % group_parts) * groups_per, g1 = std::min(groups, g0 + groups_per);
      if (s0 >= s1 || g0 >= g1) continue;
      const int64_t mb = g0 * MT, me = std::min(M, g1 * MT);
      if (!a_in_place) abuf.resize(static_cast<size_t>((me - mb) * kKC));
      for (int64_t r0 = 0; r0 < R; r0 += kKC) {
        const int64_t kc = std::min(kKC, R - r0);
        const bool load = accumulate || r0 > 0;
        if (!a_in_place) {  // this item's A rows, [m][r], for this block
          if (lda_m == 1) {  // a transpose, in bands of 16 rows so the writes stay in a few lines
            for (int64_t m1 = mb; m1 < me; m1 += 16) {
              const int64_t m2 = std::min(me, m1 + 16);
              for (int64_t r = 0; r < kc; ++r) {
                const float* src = A + (r0 + r) * lda_r;
                for (int64_t m = m1; m < m2; ++m) abuf[(m - mb) * kc + r] = src[m];
              }
            }
          } else {
            for (int64_t m = mb; m < me; ++m)
              for (int64_t r = 0; r < kc; ++r) abuf[(m - mb) * kc + r] = A[m * lda_m + (r0 + r) * lda_r];
          }
        }
        for (int64_t s = s0; s < s1; ++s) {
          const int64_t f0 = s * NR, nf = std::min(NR, F - f0);
          const float* bp;
          int64_t ldb;
          if (b_in_place && nf == NR) {
            bp = static_cast<const float*>(B.data) + r0 * B.stride_r + f0;
            ldb = B.stride_r;
          } else {
            bbuf.resize(static_cast<size_t>(kKC * NR));
            convert_block(B, r0, kc, f0, nf, NR, true, bbuf.data());
            bp = bbuf.data();
            ldb = NR;
          }
          for (int64_t g = g0; g < g1; ++g) {
            const int64_t m0 = g * MT, mn = std::min(MT, M - m0);
            for (int64_t i = 0; i < MT; ++i) {
              const int64_t m = m0 + std::min(i, mn - 1);  // rows past M repeat the last; never stored
              arow[i] = a_in_place ? A + m * lda_m + r0 : abuf.data() + (m - mb) * kc;
            }
            if (mn == MT && nf == NR) {
              ks.by_features(arow, bp, ldb, kc, C + m0 * ldc + f0, ldc, load);
              continue;
            }
            if (load) {
              std::fill(tile, tile + MT * NR, 0.0f);
              for (int64_t i = 0; i < mn; ++i) std::copy(C + (m0 + i) * ldc + f0, C + (m0 + i) * ldc + f0 + nf, tile + i * NR);
            }
            ks.by_features(arow, bp, ldb, kc, tile, NR, load);
            for (int64_t i = 0; i < mn; ++i) std::copy(tile + i * NR, tile + i * NR + nf, C + (m0 + i) * ldc + f0);
          }
        }
      }
    }
  });
}

void gemm_impl(Isa which, ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m, int64_t lda_r,
               const GemmB& B, float* C, int64_t ldc, bool accumulate) {
  if (M <= 0 || F <= 0) return;
  if (R <= 0) {
    if (!accumulate)
      for (int64_t m = 0; m < M; ++m) std::fill(C + m * ldc, C + m * ldc + F, 0.0f);
    return;
  }
  const KernelSet& ks = kernels::kernel_set(which);
  // By tokens packs A (M × R values), reads B in place and moves each tile through a
  // transposing buffer once per reduction; by features reads A in place and, unless B is
  // contiguous along f, converts B (F × R values): the cheaper preparation wins, and short
  // reductions (LoRA's rank) go by features, where a tile is read and written as vectors.
  if (B.stride_r == 1 && B.stride_f != 1 && M <= F && R >= 64)
    gemm_by_tokens(ks, pool, M, F, R, A, lda_m, lda_r, B, C, ldc, accumulate);
  else
    gemm_by_features(ks, pool, M, F, R, A, lda_m, lda_r, B, C, ldc, accumulate);
}

}  // namespace

kernels::Isa kernels::active_isa() { return isa(); }

const char* gemm_isa() { return isa_name(isa()); }
const char* gemm_isa_capped(const char* name) { return isa_name(std::min(isa_named(name), isa())); }

void gemm(ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m, int64_t lda_r, const GemmB& B, float* C,
          int64_t ldc, bool accumulate) {
  gemm_impl(isa(), pool, M, F, R, A, lda_m, lda_r, B, C, ldc, accumulate);
}

void gemm_with_isa(const char* name, ThreadPool& pool, int64_t M, int64_t F, int64_t R, const float* A, int64_t lda_m, int64_t lda_r,
                   const GemmB& B, float* C, int64_t ldc, bool accumulate) {
  gemm_impl(std::min(isa_named(name), isa()), pool, M, F, R, A, lda_m, lda_r, B, C, ldc, accumulate);
}

}  // namespace flk::cpu
