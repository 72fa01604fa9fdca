// Causal grouped-query attention on packed sequences, on the shared GEMM.
// Scores are formed for blocks of at most kQueryBlock queries at a time (never a
// full T×T matrix for long sequences); probabilities are recomputed in the
// backward pass from the saved log-sum-exp. Sums over heads of a KV group and
// over query blocks run in a fixed order, so results do not depend on threads.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gemm.hpp"
#include "layers.hpp"
#include "vec_math.hpp"

namespace flk::cpu {

namespace {

// Queries per block: the keys above the causal diagonal of a block are computed and then
// masked, so smaller blocks waste less (512-token sequences: 11% of the computed scores, 33% with 256).
constexpr int64_t kQueryBlock = 64;

struct Span {
  int64_t begin, end;
};

std::vector<Span> sequences(const AttentionShape& s) {
  std::vector<Span> out;
  for (int64_t t = 0; t < s.T; t = s.seq_end[t]) out.push_back({t, s.seq_end[t]});
  return out;
}

GemmB f32(const float* p, int64_t stride_f, int64_t stride_r) { return GemmB{DType::F32, p, stride_f, stride_r}; }

// Attention parallelises across heads, each task running its GEMMs on its own thread:
// thousands of small per-head products would otherwise each pay a pool dispatch.
ThreadPool& inline_pool() {
  thread_local ThreadPool serial(1);
  return serial;
}

struct Block {
  int64_t q0, nq;    // queries [q0, q0 + nq), absolute token indices
  int64_t k0, nk;    // keys [k0, k0 + nk) that any of them may see
};

// Keys visible to a block of queries: causal within the sequence, optionally windowed.
Block block_of(const AttentionShape& s, const Span& seq, int64_t q0, int64_t nq) {
  int64_t k0 = seq.begin;
  if (s.window > 0) k0 = std::max(k0, q0 - s.window + 1);
  return Block{q0, nq, k0, q0 + nq - k0};
}

// Columns [begin, end) of block b that query t sees: keys j <= t, and t - j < window when windowed.
Span visible_keys(const AttentionShape& s, const Block& b, int64_t t) {
  int64_t lo = b.k0;
  if (s.window > 0) lo = std::max(lo, t - s.window + 1);
  return Span{lo - b.k0, std::min(t + 1, b.k0 + b.nk) - b.k0};
}

// Row t of a block's Q·Kᵀ: the keys it cannot see set to 0, the visible ones scaled; returns
// them (and their count in *n), which the softmax then works on.
float* visible_scores(const AttentionShape& s, const Block& b, int64_t t, float scale, float* row, int64_t* n) {
  const Span vis = visible_keys(s, b, t);
  std::fill(row, row + vis.begin, 0.0f);
  std::fill(row + vis.end, row + b.nk, 0.0f);
  float* x = row + vis.begin;
  *n = vis.end - vis.begin;
  for (int64_t j = 0; j < *n; ++j) x[j] *= scale;
  return x;
}

}  // namespace

void attention_forward(ThreadPool& pool, const AttentionShape& s, const float* q, const float* k, const float* v, float* out,
                       float* lse) {
  const int64_t hd = s.head_dim, group = s.heads / s.kv_heads;
  const int64_t qs = s.heads * hd, kvs = s.kv_heads * hd;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  for (const Span& seq : sequences(s)) {
    for (int64_t q0 = seq.begin; q0 < seq.end; q0 += kQueryBlock) {
      const Block b = block_of(s, seq, q0, std::min(kQueryBlock, seq.end - q0));
      pool.parallel_for(s.heads, 1, [&](int64_t h0, int64_t h1) {
        ThreadPool& serial = inline_pool();
        std::vector<float> S(static_cast<size_t>(b.nq * b.nk));
        for (int64_t h = h0; h < h1; ++h) {
          const int64_t kvh = h / group;
          // S = Q Kᵀ
          gemm(serial, b.nq, b.nk, hd, q + b.q0 * qs + h * hd, qs, 1, f32(k + b.k0 * kvs + kvh * hd, kvs, 1), S.data(), b.nk, false);
          // masked softmax per query row; P overwrites S
          for (int64_t i = 0; i < b.nq; ++i) {
            const int64_t t = b.q0 + i;
            int64_t n = 0;
            float* x = visible_scores(s, b, t, scale, S.data() + i * b.nk, &n);
            const float m = array_max(x, n);
            const double sum = exp_shifted_sum(x, m, n);
            const float inv = static_cast<float>(1.0 / sum);
            for (int64_t j = 0; j < n; ++j) x[j] *= inv;
            if (lse != nullptr) lse[t * s.heads + h] = static_cast<float>(static_cast<double>(m) + std::log(sum));
          }
          // O = P V
          gemm(serial, b.nq, hd, b.nk, S.data(), b.nk, 1, f32(v + b.k0 * kvs + kvh * hd, 1, kvs), out + b.q0 * qs + h * hd, qs, false);
        }
      });
    }
  }
}

void attention_backward(ThreadPool& pool, const AttentionShape& s, const float* q, const float* k, const float* v,
                        const float* out, const float* lse, const float* dout, float* dq, float* dk, float* dv) {
  const int64_t hd = s.head_dim, group = s.heads / s.kv_heads;
  const int64_t qs = s.heads * hd, kvs = s.kv_heads * hd;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::fill(dk, dk + s.T * kvs, 0.0f);
  std::fill(dv, dv + s.T * kvs, 0.0f);
  for (const Span& seq : sequences(s)) {
    for (int64_t q0 = seq.begin; q0 < seq.end; q0 += kQueryBlock) {
      const Block b = block_of(s, seq, q0, std::min(kQueryBlock, seq.end - q0));
      // dK and dV sum over a group's heads: one task per KV head, its heads in order
      pool.parallel_for(s.kv_heads, 1, [&](int64_t g0, int64_t g1) {
        ThreadPool& serial = inline_pool();
        std::vector<float> P(static_cast<size_t>(b.nq * b.nk)), dP(P.size()), delta(static_cast<size_t>(b.nq));
        for (int64_t kvh = g0; kvh < g1; ++kvh) {
          for (int64_t h = kvh * group; h < (kvh + 1) * group; ++h) {
            const float* qh = q + b.q0 * qs + h * hd;
            const float* doh = dout + b.q0 * qs + h * hd;
            const float* kh = k + b.k0 * kvs + kvh * hd;
            const float* vh = v + b.k0 * kvs + kvh * hd;
            // P recomputed from the saved log-sum-exp; D = dO · O per query
            gemm(serial, b.nq, b.nk, hd, qh, qs, 1, f32(kh, kvs, 1), P.data(), b.nk, false);
            for (int64_t i = 0; i < b.nq; ++i) {
              const int64_t t = b.q0 + i;
              int64_t n = 0;
              float* x = visible_scores(s, b, t, scale, P.data() + i * b.nk, &n);
              exp_shifted(x, lse[t * s.heads + h], x, n);
              delta[i] = dot(doh + i * qs, out + t * qs + h * hd, hd);
            }
            // dV += Pᵀ dO
            gemm(serial, b.nk, hd, b.nq, P.data(), 1, b.nk, f32(doh, 1, qs), dv + b.k0 * kvs + kvh * hd, kvs, true);
            // dP = dO Vᵀ, then dS = P ⊙ (dP − D) · scale (in place)
            gemm(serial, b.nq, b.nk, hd, doh, qs, 1, f32(vh, kvs, 1), dP.data(), b.nk, false);
            for (int64_t i = 0; i < b.nq; ++i) {
              float* d = dP.data() + i * b.nk;
              const float* p = P.data() + i * b.nk;
              for (int64_t j = 0; j < b.nk; ++j) d[j] = p[j] * (d[j] - delta[i]) * scale;
            }
            // dQ = dS K ; dK += dSᵀ Q
            gemm(serial, b.nq, hd, b.nk, dP.data(), b.nk, 1, f32(kh, 1, kvs), dq + b.q0 * qs + h * hd, qs, false);
            gemm(serial, b.nk, hd, b.nq, dP.data(), 1, b.nk, f32(qh, 1, qs), dk + b.k0 * kvs + kvh * hd, kvs, true);
          }
        }
      });
    }
  }
}

}  // namespace flk::cpu
