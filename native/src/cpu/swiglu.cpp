#include <algorithm>

#include "layers.hpp"
#include "vec_math.hpp"

namespace flk::cpu {

namespace {
// The sigmoids of a range are formed a block at a time into a buffer that stays in L1.
constexpr int64_t kBlock = 1024;
}  // namespace

void swiglu_forward(ThreadPool& pool, const float* g, const float* u, int64_t n, float* m) {
  pool.parallel_for(n, 1 << 13, [&](int64_t b, int64_t e) {
    float sig[kBlock];
    for (int64_t i0 = b; i0 < e; i0 += kBlock) {
      const int64_t k = std::min(kBlock, e - i0);
      sigmoid(g + i0, sig, k);
      for (int64_t i = 0; i < k; ++i) m[i0 + i] = g[i0 + i] * sig[i] * u[i0 + i];
    }
  });
}

// d silu(g)/dg = sig (1 + g (1 - sig))
void swiglu_backward(ThreadPool& pool, const float* dm, const float* g, const float* u, int64_t n, float* dg, float* du) {
  pool.parallel_for(n, 1 << 13, [&](int64_t b, int64_t e) {
    float sig[kBlock];
    for (int64_t i0 = b; i0 < e; i0 += kBlock) {
      const int64_t k = std::min(kBlock, e - i0);
      sigmoid(g + i0, sig, k);
      for (int64_t j = 0; j < k; ++j) {
        const int64_t i = i0 + j;
        const float silu = g[i] * sig[j];
        du[i] = dm[i] * silu;
        dg[i] = dm[i] * u[i] * sig[j] * (1.0f + g[i] * (1.0f - sig[j]));
      }
    }
  });
}

}  // namespace flk::cpu
