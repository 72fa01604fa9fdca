#include <cmath>

#include "layers.hpp"

namespace flk::cpu {

void rmsnorm_forward(ThreadPool& pool, const float* x, const float* w, int64_t T, int64_t D, double eps, float* y, float* r) {
  pool.parallel_for(T, 16, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* xt = x + t * D;
      const float ms = dot(xt, xt, D) / static_cast<float>(D);
      const float rt = 1.0f / std::sqrt(ms + static_cast<float>(eps));
      r[t] = rt;
      float* yt = y + t * D;
      for (int64_t i = 0; i < D; ++i) yt[i] = w[i] * (xt[i] * rt);
    }
  });
}

void rmsnorm_backward(ThreadPool& pool, const float* dy, const float* x, const float* w, const float* r, int64_t T, int64_t D,
                      float* dx, bool accumulate) {
  // y_i = w_i x_i r  =>  dx_i = r (w_i dy_i) - x_i r^3 / D * sum_j (w_j dy_j x_j)
  pool.parallel_for(T, 16, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* xt = x + t * D;
      const float* gt = dy + t * D;
      float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t i = 0;
      for (; i + 8 <= D; i += 8)
        for (int k = 0; k < 8; ++k) acc[k] += w[i + k] * gt[i + k] * xt[i + k];
      float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      for (; i < D; ++i) s += w[i] * gt[i] * xt[i];
      const float rt = r[t];
      const float c = rt * rt * rt * s / static_cast<float>(D);
      float* d = dx + t * D;
      for (int64_t j = 0; j < D; ++j) {
        const float v = rt * w[j] * gt[j] - xt[j] * c;
        d[j] = accumulate ? d[j] + v : v;
      }
    }
  });
}

}  // namespace flk::cpu
