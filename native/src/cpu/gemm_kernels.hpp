// The GEMM micro-kernels, one set per instruction set. Each adds, for r ascending,
// A(m, r) · B(r, f) to an accumulator with one fused multiply-add, so an element of C
// is the same chain of FMAs in every kernel and every ISA (only the tile shapes differ).
//
// Two orientations, chosen by which operand of B is contiguous:
//  - by tokens (B contiguous along r, x·Wᵀ): a tile is MR features × P tokens, tokens in
//    the vector lanes. A comes packed as a panel [r][P]; the MR rows of B are read in place.
//    The tile is a [MR][P] buffer the caller moves to and from C.
//  - by features (B contiguous along f, dy·W): a tile is MT tokens × NR features, features
//    in the lanes, read and written in C directly. A rows and B rows are read in place.
#pragma once
#include <cstdint>

namespace flk::cpu::kernels {

enum class Isa { kScalar, kAvx2, kAvx512 };

struct TokenGeometry {
  int64_t P, MR;
};
struct FeatureGeometry {
  int64_t MT, NR;
};

// tile[i][j] (+)= Σ_{r<kc} brow[i][r] · panel[r][j]; zero-initialised first when !load.
using TokenKernel = void (*)(const float* panel, const float* const* brow, int64_t kc, float* tile, bool load);
// c[i·ldc + v] (+)= Σ_{r<kc} arow[i][r] · b[r·ldb + v]; c read first when load, else zero.
using FeatureKernel = void (*)(const float* const* arow, const float* b, int64_t ldb, int64_t kc, float* c, int64_t ldc, bool load);

struct KernelSet {
  TokenGeometry tg;
  TokenKernel by_tokens;
  FeatureGeometry fg;
  FeatureKernel by_features;
};

const KernelSet& kernel_set(Isa isa);

// The ISA this process runs (detected once; FLOCK_CPU_ISA may force a lower one). gemm.cpp.
Isa active_isa();

// The largest tiles any ISA uses, for stack buffers.
constexpr int64_t kMaxTile = 12 * 32;

}  // namespace flk::cpu::kernels
