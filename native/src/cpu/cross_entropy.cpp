// LM head + masked cross-entropy, chunked over positions so the full [T, vocab]
// logits never exist at once (unless the caller asks for them).
#include <algorithm>
#include <cmath>
#include <vector>

#include "cross_entropy.hpp"
#include "vec_math.hpp"

namespace flk::cpu {

void lm_head_cross_entropy(ThreadPool& pool, const float* h, int64_t T, const Weight& W, const int32_t* targets,
                           float* loss, float* logits_out, float* dh, float grad_scale, int64_t chunk) {
  const int64_t H = W.cols, V = W.rows;
  std::vector<int64_t> rows;
  for (int64_t t = 0; t < T; ++t) {
    loss[t] = 0.0f;
    if (targets[t] >= 0 || logits_out != nullptr) rows.push_back(t);
  }
  if (dh != nullptr) std::fill(dh, dh + T * H, 0.0f);
  chunk = std::max<int64_t>(1, chunk);
  std::vector<float> hc(static_cast<size_t>(std::min<int64_t>(chunk, static_cast<int64_t>(rows.size())) * H));
  std::vector<float> lc(static_cast<size_t>(std::min<int64_t>(chunk, static_cast<int64_t>(rows.size())) * V));
  std::vector<float> dhc(dh != nullptr ? hc.size() : 0);
  for (size_t c0 = 0; c0 < rows.size(); c0 += static_cast<size_t>(chunk)) {
    const int64_t n = std::min<int64_t>(chunk, static_cast<int64_t>(rows.size() - c0));
    for (int64_t r = 0; r < n; ++r) std::copy(h + rows[c0 + r] * H, h + rows[c0 + r] * H + H, hc.data() + r * H);
    matmul_wt(pool, hc.data(), n, W, lc.data());
    pool.parallel_for(n, 1, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t t = rows[c0 + r];
        float* l = lc.data() + r * V;
        if (logits_out != nullptr) std::copy(l, l + V, logits_out + t * V);
        const int32_t y = targets[t];
        if (y < 0) {
          if (dh != nullptr) std::fill(l, l + V, 0.0f);
          continue;
        }
        const float ly = l[y];
        const float m = array_max(l, V);
        const double sum = exp_shifted_sum(l, m, V);  // l now holds exp(logit - m)
        const double lse = static_cast<double>(m) + std::log(sum);
        loss[t] = static_cast<float>(lse - static_cast<double>(ly));
        if (dh != nullptr) {  // d loss / d logits = softmax - onehot, times the scale
          const float c = static_cast<float>(static_cast<double>(grad_scale) / sum);
          for (int64_t i = 0; i < V; ++i) l[i] *= c;
          l[y] -= grad_scale;
        }
      }
    });
    if (dh != nullptr) {
      linear_backward_input(pool, lc.data(), n, W, dhc.data(), false);
      for (int64_t r = 0; r < n; ++r) std::copy(dhc.data() + r * H, dhc.data() + r * H + H, dh + rows[c0 + r] * H);
    }
  }
}

}  // namespace flk::cpu
