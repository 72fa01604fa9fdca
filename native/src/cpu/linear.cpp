#include <algorithm>
#include <cstring>
#include <vector>

#include "layers.hpp"

namespace flk::cpu {

float dot(const float* a, const float* b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

namespace {
constexpr int64_t kRowTile = 32;  // tokens per tile
constexpr int64_t kColTile = 16;  // weight rows (outputs) per tile
}  // namespace

void matmul_wt(ThreadPool& pool, const float* x, int64_t T, const Weight& W, float* y) {
  const int64_t in = W.cols, out = W.rows;
  const int64_t row_tiles = (T + kRowTile - 1) / kRowTile;
  const int64_t col_tiles = (out + kColTile - 1) / kColTile;
  pool.parallel_for(row_tiles * col_tiles, 1, [&](int64_t b, int64_t e) {
    std::vector<float> scratch(static_cast<size_t>(kColTile * in));
    for (int64_t tile = b; tile < e; ++tile) {
      // column-major tile order: consecutive tiles reuse the same converted weight rows
      const int64_t ct = tile / row_tiles, rt = tile % row_tiles;
      const int64_t o0 = ct * kColTile, o1 = std::min(out, o0 + kColTile);
      const int64_t t0 = rt * kRowTile, t1 = std::min(T, t0 + kRowTile);
      const float* w = W.rows_f32(o0, o1 - o0, scratch.data());
      for (int64_t t = t0; t < t1; ++t) {
        const float* xt = x + t * in;
        float* yt = y + t * out;
        for (int64_t o = o0; o < o1; ++o) yt[o] = dot(xt, w + (o - o0) * in, in);
      }
    }
  });
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
  const int64_t in = W.cols, out = W.rows;
  constexpr int64_t kInTile = 256;
  const int64_t row_tiles = (T + kRowTile - 1) / kRowTile;
  const int64_t in_tiles = (in + kInTile - 1) / kInTile;
  pool.parallel_for(row_tiles * in_tiles, 1, [&](int64_t b, int64_t e) {
    std::vector<float> wseg(static_cast<size_t>(kInTile));
    std::vector<float> acc(static_cast<size_t>(kRowTile * kInTile));
    for (int64_t tile = b; tile < e; ++tile) {
      const int64_t it = tile / row_tiles, rt = tile % row_tiles;
      const int64_t i0 = it * kInTile, i1 = std::min(in, i0 + kInTile), ni = i1 - i0;
      const int64_t t0 = rt * kRowTile, t1 = std::min(T, t0 + kRowTile);
      std::fill(acc.begin(), acc.end(), 0.0f);
      // dx[t, i] = sum over o ascending of dy[t, o] * W[o, i]
      for (int64_t o = 0; o < out; ++o) {
        const float* w = W.segment_f32(o, i0, ni, wseg.data());
        for (int64_t t = t0; t < t1; ++t) {
          const float g = dy[t * out + o];
          float* a = acc.data() + (t - t0) * kInTile;
          for (int64_t i = 0; i < ni; ++i) a[i] += g * w[i];
        }
      }
      for (int64_t t = t0; t < t1; ++t) {
        float* d = dx + t * in + i0;
        const float* a = acc.data() + (t - t0) * kInTile;
        if (accumulate)
          for (int64_t i = 0; i < ni; ++i) d[i] += a[i];
        else
          std::memcpy(d, a, static_cast<size_t>(ni) * 4);
      }
    }
  });
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
