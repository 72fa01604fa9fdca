#include "layers.hpp"

namespace flk::cpu {

// out[i] = x[i] cos - x[i+h] sin ; out[i+h] = x[i+h] cos + x[i] sin   (h = head_dim / 2)
void rope_forward(ThreadPool& pool, float* x, const int32_t* pos, int64_t T, int64_t heads, int64_t head_dim, const RopeTable& rt) {
  const int64_t h = head_dim / 2;
  pool.parallel_for(T, 16, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* c = rt.cos + static_cast<int64_t>(pos[t]) * rt.half;
      const float* s = rt.sin + static_cast<int64_t>(pos[t]) * rt.half;
      for (int64_t hd = 0; hd < heads; ++hd) {
        float* v = x + (t * heads + hd) * head_dim;
        for (int64_t i = 0; i < h; ++i) {
          const float a = v[i], b = v[i + h];
          v[i] = a * c[i] - b * s[i];
          v[i + h] = b * c[i] + a * s[i];
        }
      }
    }
  });
}

// The transpose of the rotation above.
void rope_backward(ThreadPool& pool, float* dx, const int32_t* pos, int64_t T, int64_t heads, int64_t head_dim, const RopeTable& rt) {
  const int64_t h = head_dim / 2;
  pool.parallel_for(T, 16, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* c = rt.cos + static_cast<int64_t>(pos[t]) * rt.half;
      const float* s = rt.sin + static_cast<int64_t>(pos[t]) * rt.half;
      for (int64_t hd = 0; hd < heads; ++hd) {
        float* v = dx + (t * heads + hd) * head_dim;
        for (int64_t i = 0; i < h; ++i) {
          const float a = v[i], b = v[i + h];
          v[i] = a * c[i] + b * s[i];
          v[i + h] = b * c[i] - a * s[i];
        }
      }
    }
  });
}

}  // namespace flk::cpu
