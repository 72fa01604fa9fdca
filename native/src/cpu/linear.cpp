#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.hpp"
#include "layers.hpp"

namespace flk::cpu {

// Sixteen fixed partial sums: one AVX-512 register, two AVX2 ones or four SSE ones in the
// clones below, the same additions in the same order in each (fp contraction is off).
__attribute__((target_clones("avx512f", "avx2", "default"))) float dot(const float* a, const float* b, int64_t n) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; ++k) acc[k] += a[i + k] * b[i + k];
  for (int w = 8; w >= 1; w /= 2)
    for (int k = 0; k < w; ++k) acc[k] += acc[k + w];
  float s = acc[0];
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void axpy(float alpha, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

namespace {
GemmB as_gemm_t(const Weight& W) {
  return W.owned.empty() ? weight_t(W.dtype, W.data, W.cols) : weight_t(DType::F32, W.owned.data(), W.cols);
}
GemmB as_gemm_n(const Weight& W) {
  return W.owned.empty() ? weight_n(W.dtype, W.data, W.cols) : weight_n(DType::F32, W.owned.data(), W.cols);
}
}  // namespace

void matmul_wt(ThreadPool& pool, const float* x, int64_t T, const Weight& W, float* y) {
  gemm(pool, T, W.rows, W.cols, x, W.cols, 1, as_gemm_t(W), y, W.rows, false);
}

void linear_forward(ThreadPool& pool, const float* x, int64_t T, const Linear& L, float* y) {
  matmul_wt(pool, x, T, L.w, y);
  if (!L.bias.empty()) {
    const int64_t out = L.out();
    const float* b = L.bias.data();
    pool.parallel_for(T, 16, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t)
        for (int64_t o = 0; o < out; ++o) y[t * out + o] += b[o];
    });
  }
}

void linear_backward_input(ThreadPool& pool, const float* dy, int64_t T, const Weight& W, float* dx, bool accumulate) {
  gemm(pool, T, W.cols, W.rows, dy, W.rows, 1, as_gemm_n(W), dx, W.cols, accumulate);
}

void embedding_forward(ThreadPool& pool, const Weight& E, const int32_t* tokens, int64_t T, float* x) {
  const int64_t H = E.cols;
  pool.parallel_for(T, 64, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* row = E.rows_f32(tokens[t], 1, x + t * H);
      if (row != x + t * H) std::memcpy(x + t * H, row, static_cast<size_t>(H) * 4);
    }
  });
}

void add_inplace(ThreadPool& pool, float* x, const float* y, int64_t n) {
  pool.parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) x[i] += y[i];
  });
}

}  // namespace flk::cpu
