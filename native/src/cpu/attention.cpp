// Causal grouped-query attention on packed sequences. Probabilities are never
// stored: the forward keeps the log-sum-exp per (token, head) and the backward
// recomputes them, so memory is O(T) per head instead of O(T²).
#include <algorithm>
#include <cmath>
#include <vector>

#include "layers.hpp"

namespace flk::cpu {

namespace {

struct Geometry {
  const AttentionShape& s;
  float scale;
  int64_t group;  // query heads per kv head
  int64_t qstride, kvstride;

  explicit Geometry(const AttentionShape& sh)
      : s(sh),
        scale(1.0f / std::sqrt(static_cast<float>(sh.head_dim))),
        group(sh.heads / sh.kv_heads),
        qstride(sh.heads * sh.head_dim),
        kvstride(sh.kv_heads * sh.head_dim) {}

  // First key visible from query t.
  int64_t first_key(int64_t t) const {
    int64_t lo = s.seq_start[t];
    if (s.window > 0) lo = std::max(lo, t - s.window + 1);
    return lo;
  }
  // One past the last query that sees key j.
  int64_t last_query_end(int64_t j) const {
    int64_t hi = s.seq_end[j];
    if (s.window > 0) hi = std::min(hi, j + s.window);
    return hi;
  }
};

}  // namespace

void attention_forward(ThreadPool& pool, const AttentionShape& s, const float* q, const float* k, const float* v, float* out,
                       float* lse) {
  const Geometry g(s);
  const int64_t hd = s.head_dim;
  pool.parallel_for(s.T * s.heads, 4, [&](int64_t b, int64_t e) {
    std::vector<float> p;
    std::vector<float> acc(static_cast<size_t>(hd));
    for (int64_t idx = b; idx < e; ++idx) {
      const int64_t t = idx / s.heads, h = idx % s.heads, kvh = h / g.group;
      const float* qt = q + t * g.qstride + h * hd;
      const int64_t lo = g.first_key(t), n = t - lo + 1;
      p.resize(static_cast<size_t>(n));
      float m = -INFINITY;
      for (int64_t j = lo; j <= t; ++j) {
        const float sc = dot(qt, k + j * g.kvstride + kvh * hd, hd) * g.scale;
        p[j - lo] = sc;
        m = std::max(m, sc);
      }
      float sum = 0.0f;
      for (int64_t j = 0; j < n; ++j) {
        p[j] = std::exp(p[j] - m);
        sum += p[j];
      }
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t j = lo; j <= t; ++j) {
        axpy(p[j - lo], v + j * g.kvstride + kvh * hd, acc.data(), hd);
      }
      const float inv = 1.0f / sum;
      float* o = out + t * g.qstride + h * hd;
      for (int64_t d = 0; d < hd; ++d) o[d] = acc[d] * inv;
      if (lse != nullptr) lse[t * s.heads + h] = m + std::log(sum);
    }
  });
}

void attention_backward(ThreadPool& pool, const AttentionShape& s, const float* q, const float* k, const float* v,
                        const float* out, const float* lse, const float* dout, float* dq, float* dk, float* dv) {
  const Geometry g(s);
  const int64_t hd = s.head_dim;
  std::vector<float> delta(static_cast<size_t>(s.T * s.heads));  // D = dout · out per (token, head)

  // Pass 1: dq, one (query, head) per work item.
  pool.parallel_for(s.T * s.heads, 4, [&](int64_t b, int64_t e) {
    for (int64_t idx = b; idx < e; ++idx) {
      const int64_t t = idx / s.heads, h = idx % s.heads, kvh = h / g.group;
      const float* qt = q + t * g.qstride + h * hd;
      const float* dot_ = dout + t * g.qstride + h * hd;
      const float D = dot(dot_, out + t * g.qstride + h * hd, hd);
      delta[idx] = D;
      const float l = lse[idx];
      float* dqt = dq + t * g.qstride + h * hd;
      std::fill(dqt, dqt + hd, 0.0f);
      for (int64_t j = g.first_key(t); j <= t; ++j) {
        const float* kj = k + j * g.kvstride + kvh * hd;
        const float p = std::exp(dot(qt, kj, hd) * g.scale - l);
        const float dp = dot(dot_, v + j * g.kvstride + kvh * hd, hd);
        axpy(p * (dp - D) * g.scale, kj, dqt, hd);
      }
    }
  });

  // Pass 2: dk and dv, one (key, kv head) per work item; sums over the group's
  // query heads and the queries that see the key, in a fixed order.
  pool.parallel_for(s.T * s.kv_heads, 4, [&](int64_t b, int64_t e) {
    for (int64_t idx = b; idx < e; ++idx) {
      const int64_t j = idx / s.kv_heads, kvh = idx % s.kv_heads;
      const float* kj = k + j * g.kvstride + kvh * hd;
      const float* vj = v + j * g.kvstride + kvh * hd;
      float* dkj = dk + j * g.kvstride + kvh * hd;
      float* dvj = dv + j * g.kvstride + kvh * hd;
      std::fill(dkj, dkj + hd, 0.0f);
      std::fill(dvj, dvj + hd, 0.0f);
      const int64_t t_end = g.last_query_end(j);
      for (int64_t h = kvh * g.group; h < (kvh + 1) * g.group; ++h) {
        for (int64_t t = j; t < t_end; ++t) {
          const float* qt = q + t * g.qstride + h * hd;
          const float* dot_ = dout + t * g.qstride + h * hd;
          const float p = std::exp(dot(qt, kj, hd) * g.scale - lse[t * s.heads + h]);
          const float dp = dot(dot_, vj, hd);
          axpy(p, dot_, dvj, hd);
          axpy(p * (dp - delta[t * s.heads + h]) * g.scale, qt, dkj, hd);
        }
      }
    }
  });
}

}  // namespace flk::cpu
