#include "forward.hpp"

#include <cmath>

#include "cpu/cross_entropy.hpp"
#include "cpu/layers.hpp"
#include "rope_table.hpp"

namespace flk {

LossTotals sum_losses(const Batch& b, const std::vector<float>& loss) {
  LossTotals r;
  r.seq_loss_sum.assign(b.num_seqs, 0.0);
  r.seq_num_targets.assign(b.num_seqs, 0);
  for (int64_t t = 0; t < b.T; ++t) {
    if (b.targets[t] < 0) continue;
    r.seq_loss_sum[b.token_seq[t]] += loss[t];
    r.seq_num_targets[b.token_seq[t]] += 1;
  }
  for (int64_t s = 0; s < b.num_seqs; ++s) {
    r.loss_sum += r.seq_loss_sum[s];
    r.num_targets += r.seq_num_targets[s];
  }
  return r;
}

LossTotals forward_loss(Model& m, const Batch& b, float* logits_out) {
  const ModelConfig& c = m.config;
  ThreadPool& pool = *m.pool;
  const int64_t T = b.T, H = c.hidden_size, I = c.intermediate_size, Q = c.q_dim(), KV = c.kv_dim();
  RopeTableOwner rope(m.inv_freq, b.max_len);

  std::vector<float> x(T * H), h(T * H), r(T), q(T * Q), k(T * KV), v(T * KV), att(T * Q), tmp(T * H), g(T * I),
      u(T * I), lse(T * c.num_heads);
  cpu::embedding_forward(pool, m.weights.embed, b.tokens, T, x.data());
  for (int32_t l = 0; l < c.num_layers; ++l) {
    const LayerWeights& w = m.weights.layers[l];
    cpu::rmsnorm_forward(pool, x.data(), w.input_norm.data(), T, H, c.rms_norm_eps, h.data(), r.data());
    cpu::linear_forward(pool, h.data(), T, w.q, q.data());
    cpu::linear_forward(pool, h.data(), T, w.k, k.data());
    cpu::linear_forward(pool, h.data(), T, w.v, v.data());
    cpu::rope_forward(pool, q.data(), b.positions.data(), T, c.num_heads, c.head_dim, rope.table);
    cpu::rope_forward(pool, k.data(), b.positions.data(), T, c.num_kv_heads, c.head_dim, rope.table);
    const cpu::AttentionShape as{T, c.num_heads, c.num_kv_heads, c.head_dim, c.layer_sliding[l] ? c.sliding_window : 0,
                                 b.seq_start.data(), b.seq_end.data()};
    cpu::attention_forward(pool, as, q.data(), k.data(), v.data(), att.data(), lse.data());
    cpu::linear_forward(pool, att.data(), T, w.o, tmp.data());
    cpu::add_inplace(pool, x.data(), tmp.data(), T * H);
    cpu::rmsnorm_forward(pool, x.data(), w.post_norm.data(), T, H, c.rms_norm_eps, h.data(), r.data());
    cpu::linear_forward(pool, h.data(), T, w.gate, g.data());
    cpu::linear_forward(pool, h.data(), T, w.up, u.data());
    cpu::swiglu_forward(pool, g.data(), u.data(), T * I, g.data());
    cpu::linear_forward(pool, g.data(), T, w.down, tmp.data());
    cpu::add_inplace(pool, x.data(), tmp.data(), T * H);
  }
  cpu::rmsnorm_forward(pool, x.data(), m.weights.final_norm.data(), T, H, c.rms_norm_eps, h.data(), r.data());
  std::vector<float> loss(T);
  cpu::lm_head_cross_entropy(pool, h.data(), T, m.weights.lm_head, b.targets.data(), loss.data(), logits_out, nullptr, 0.0f, 256);
  return sum_losses(b, loss);
}

}  // namespace flk
