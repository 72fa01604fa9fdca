#include <cmath>

#include "layers.hpp"

namespace flk::cpu {

void swiglu_forward(ThreadPool& pool, const float* g, const float* u, int64_t n, float* m) {
  pool.parallel_for(n, 1 << 13, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float sig = 1.0f / (1.0f + std::exp(-g[i]));
      m[i] = g[i] * sig * u[i];
    }
  });
}

// d silu(g)/dg = sig (1 + g (1 - sig))
void swiglu_backward(ThreadPool& pool, const float* dm, const float* g, const float* u, int64_t n, float* dg, float* du) {
  pool.parallel_for(n, 1 << 13, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float sig = 1.0f / (1.0f + std::exp(-g[i]));
      const float silu = g[i] * sig;
      du[i] = dm[i] * silu;
      dg[i] = dm[i] * u[i] * sig * (1.0f + g[i] * (1.0f - sig));
    }
  });
}

}  // namespace flk::cpu
