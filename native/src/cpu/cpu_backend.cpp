// The CPU backend: the whole model forward with LoRA, the saved activations, and
// the backward pass to the LoRA parameters only (frozen weights get no gradient).
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "../backend.hpp"
#include "../profiler.hpp"
#include "../rng.hpp"
#include "../rope_table.hpp"
#include "cross_entropy.hpp"
#include "layers.hpp"

namespace flk {

namespace {

using cpu::LoraView;

// Rows of the LM head computed at once: the [vocab, hidden] weight streams through memory
// once per chunk, so larger chunks cost logits memory (rows × vocab floats) and save traffic.
constexpr int64_t kLmHeadChunk = 512;

struct LayerActs {
  std::vector<float> x_in, r1, h1, q, k, v, lse, att, x_mid, r2, h2, g, u;
  std::array<std::vector<float>, kNumTargets> lu;  // LoRA u = drop(x) Aᵀ per module
};

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(Model& m) : m_(m) {}
  std::string name() const override { return "cpu"; }

  void train_micro_batch(const Batch& b, LoraState& lora, float grad_scale, uint64_t dropout_seed, std::vector<float>& loss,
                         const CancelCheck& cancel) override {
    run(b, &lora, true, grad_scale, dropout_seed, loss, cancel);
  }
  void eval_batch(const Batch& b, const LoraState* lora, std::vector<float>& loss, const CancelCheck& cancel) override {
    run(b, const_cast<LoraState*>(lora), false, 0.0f, 0, loss, cancel);
  }
  double grad_sq_norm(const LoraState& lora) override {
    Profiler::Scope ps(prof_, "optimizer");
    return sum_of_squares(lora.grads.data(), lora.num_params());
  }
  void optimizer_step(LoraState& lora, const AdamWConfig& adam, double lr, int64_t step, float grad_coef) override {
    Profiler::Scope ps(prof_, "optimizer");
    const int64_t n = lora.num_params();
    // Element-wise and independent: any split gives the same bits.
    m_.pool->parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
      adamw_update(lora.params.data() + b, lora.grads.data() + b, lora.adam_m.data() + b, lora.adam_v.data() + b, e - b, adam, lr,
                   step, grad_coef);
    });
  }
  void zero_grads(LoraState& lora) override { std::fill(lora.grads.begin(), lora.grads.end(), 0.0f); }
  int64_t peak_workspace_bytes() const override { return peak_bytes_; }

 private:
  LoraView view(const LoraState& lora, int layer, int target, bool train, uint64_t seed, std::vector<float>* params = nullptr) const {
    const LoraModule& mod = lora.module(layer, target);
    const float* p = params ? params->data() : lora.params.data();
    const LoraConfig& c = lora.config();
    return LoraView{p + mod.a_offset, p + mod.b_offset, c.rank, static_cast<float>(c.scale()),
                    train ? static_cast<float>(c.dropout) : 0.0f, derive_key(seed, 0x44726f70 /* "Drop" */, layer, target)};
  }

  // y = x Wᵀ + b (+ LoRA when the module is adapted)
  void adapted_linear(const Linear& L, const float* x, int64_t T, float* y, const LoraState* lora, int layer, int target, bool train,
                      uint64_t seed, std::vector<float>& lu) {
    {
      Profiler::Scope ps(prof_, "linear fwd", 2.0 * T * L.in() * L.out());
      cpu::linear_forward(*m_.pool, x, T, L, y);
    }
    if (lora == nullptr || !lora->module(layer, target).active) return;
    const int64_t r = lora->config().rank;
    lu.resize(static_cast<size_t>(T * r));
    Profiler::Scope ps(prof_, "lora fwd", 2.0 * T * r * (L.in() + L.out()));
    cpu::lora_forward(*m_.pool, x, T, L.in(), L.out(), view(*lora, layer, target, train, seed), lu.data(), y);
  }

  // dx (+)= dy W, plus the LoRA gradients and their input gradient. dx may be null when not needed.
  void adapted_linear_backward(const Linear& L, const float* dy, const float* x, int64_t T, float* dx, bool accumulate,
                               LoraState* lora, int layer, int target, uint64_t seed, const std::vector<float>& lu) {
    if (dx != nullptr) {
      Profiler::Scope ps(prof_, "linear bwd", 2.0 * T * L.in() * L.out());
      cpu::linear_backward_input(*m_.pool, dy, T, L.w, dx, accumulate);
    }
    if (lora == nullptr || !lora->module(layer, target).active) return;
    const LoraModule& mod = lora->module(layer, target);
    const int64_t r = lora->config().rank;
    // gB and du over out, gA (and dx) over in
    Profiler::Scope ps(prof_, "lora bwd", 2.0 * T * r * (2 * L.out() + (dx != nullptr ? 2 : 1) * L.in()));
    cpu::lora_backward(*m_.pool, dy, x, T, L.in(), L.out(), view(*lora, layer, target, true, seed), lu.data(),
                       lora->grads.data() + mod.a_offset, lora->grads.data() + mod.b_offset, dx);
  }

  void run(const Batch& b, LoraState* lora, bool train, float grad_scale, uint64_t seed, std::vector<float>& loss,
           const CancelCheck& cancel) {
    const ModelConfig& c = m_.config;
    ThreadPool& pool = *m_.pool;
    const int64_t T = b.T, H = c.hidden_size, I = c.intermediate_size, Q = c.q_dim(), KV = c.kv_dim();
    RopeTableOwner rope(m_.inv_freq, b.max_len);
    // Training keeps every layer's activations; evaluation reuses one set.
    std::vector<LayerActs> acts(train ? c.num_layers : 1);
    std::vector<float> x(T * H), tmp(T * H), mI(T * I);
    int64_t bytes = 0;
    auto alloc = [&](std::vector<float>& v, int64_t n) {
      if (static_cast<int64_t>(v.size()) != n) v.assign(n, 0.0f);
      bytes += n * 4;
    };

    {
      Profiler::Scope ps(prof_, "embedding");
      cpu::embedding_forward(pool, m_.weights.embed, b.tokens, T, x.data());
    }
    for (int l = 0; l < c.num_layers; ++l) {
      cancel();
      LayerActs& A = acts[train ? l : 0];
      const LayerWeights& w = m_.weights.layers[l];
      if (train) {
        alloc(A.x_in, T * H);
        std::memcpy(A.x_in.data(), x.data(), T * H * 4);
      }
      for (auto* v : {&A.h1, &A.x_mid, &A.h2}) alloc(*v, T * H);
      for (auto* v : {&A.r1, &A.r2}) alloc(*v, T);
      for (auto* v : {&A.q, &A.att}) alloc(*v, T * Q);
      for (auto* v : {&A.k, &A.v}) alloc(*v, T * KV);
      for (auto* v : {&A.g, &A.u}) alloc(*v, T * I);
      alloc(A.lse, T * c.num_heads);

      {
        Profiler::Scope ps(prof_, "elementwise fwd");
        cpu::rmsnorm_forward(pool, x.data(), w.input_norm.data(), T, H, c.rms_norm_eps, A.h1.data(), A.r1.data());
      }
      adapted_linear(w.q, A.h1.data(), T, A.q.data(), lora, l, kQ, train, seed, A.lu[kQ]);
      adapted_linear(w.k, A.h1.data(), T, A.k.data(), lora, l, kK, train, seed, A.lu[kK]);
      adapted_linear(w.v, A.h1.data(), T, A.v.data(), lora, l, kV, train, seed, A.lu[kV]);
      {
        Profiler::Scope ps(prof_, "elementwise fwd");
        cpu::rope_forward(pool, A.q.data(), b.positions.data(), T, c.num_heads, c.head_dim, rope.table);
        cpu::rope_forward(pool, A.k.data(), b.positions.data(), T, c.num_kv_heads, c.head_dim, rope.table);
      }
      const cpu::AttentionShape as = attention_shape(b, l);
      {
        // Q Kᵀ and P V over the visible keys
        Profiler::Scope ps(prof_, "attention fwd", prof_.enabled() ? 4.0 * c.head_dim * c.num_heads * attention_pairs(as) : 0.0);
        cpu::attention_forward(pool, as, A.q.data(), A.k.data(), A.v.data(), A.att.data(), A.lse.data());
      }
      adapted_linear(w.o, A.att.data(), T, tmp.data(), lora, l, kO, train, seed, A.lu[kO]);
      {
        Profiler::Scope ps(prof_, "elementwise fwd");
        cpu::add_inplace(pool, x.data(), tmp.data(), T * H);
        std::memcpy(A.x_mid.data(), x.data(), T * H * 4);
        cpu::rmsnorm_forward(pool, x.data(), w.post_norm.data(), T, H, c.rms_norm_eps, A.h2.data(), A.r2.data());
      }
      adapted_linear(w.gate, A.h2.data(), T, A.g.data(), lora, l, kGate, train, seed, A.lu[kGate]);
      adapted_linear(w.up, A.h2.data(), T, A.u.data(), lora, l, kUp, train, seed, A.lu[kUp]);
      {
        Profiler::Scope ps(prof_, "elementwise fwd");
        cpu::swiglu_forward(pool, A.g.data(), A.u.data(), T * I, mI.data());
      }
      adapted_linear(w.down, mI.data(), T, tmp.data(), lora, l, kDown, train, seed, A.lu[kDown]);
      {
        Profiler::Scope ps(prof_, "elementwise fwd");
        cpu::add_inplace(pool, x.data(), tmp.data(), T * H);
      }
      if (lora != nullptr)
        for (auto& lu : A.lu) bytes += static_cast<int64_t>(lu.size()) * 4;
    }
    std::vector<float> xf(T * H), rf(T), hf(T * H);
    bytes += (2 * T * H + T + 3 * T * H + T * I) * 4;
    std::memcpy(xf.data(), x.data(), T * H * 4);
    cpu::rmsnorm_forward(pool, x.data(), m_.weights.final_norm.data(), T, H, c.rms_norm_eps, hf.data(), rf.data());
    loss.assign(T, 0.0f);
    std::vector<float> dh(train ? T * H : 0);
    {
      // counted for the profile only: off, a scope costs one branch (profiler.hpp)
      int64_t rows = 0;
      if (prof_.enabled())
        for (int64_t t = 0; t < T; ++t) rows += b.targets[t] >= 0;
      Profiler::Scope ps(prof_, train ? "lm head + ce fwd/bwd" : "lm head + ce fwd",
                         (train ? 4.0 : 2.0) * rows * H * m_.weights.lm_head.rows);
      cpu::lm_head_cross_entropy(pool, hf.data(), T, m_.weights.lm_head, b.targets.data(), loss.data(), nullptr,
                                 train ? dh.data() : nullptr, grad_scale, kLmHeadChunk);
    }
    if (!train) {
      peak_bytes_ = std::max(peak_bytes_, bytes);
      return;
    }

    // ---- backward: dx is the gradient of the residual stream
    std::vector<float>& dx = x;
    cpu::rmsnorm_backward(pool, dh.data(), xf.data(), m_.weights.final_norm.data(), rf.data(), T, H, dx.data(), false);
    std::vector<float> dm(T * I), dg(T * I), du(T * I), dh2(T * H), datt(T * Q), dq(T * Q), dk(T * KV), dv(T * KV);
    bytes += (3 * T * I + T * H + 2 * T * Q + 2 * T * KV) * 4;
    peak_bytes_ = std::max(peak_bytes_, bytes);
    for (int l = c.num_layers - 1; l >= 0; --l) {
      cancel();
      LayerActs& A = acts[l];
      const LayerWeights& w = m_.weights.layers[l];
      // MLP
      {
        Profiler::Scope ps(prof_, "elementwise bwd");
        cpu::swiglu_forward(pool, A.g.data(), A.u.data(), T * I, mI.data());
      }
      adapted_linear_backward(w.down, dx.data(), mI.data(), T, dm.data(), false, lora, l, kDown, seed, A.lu[kDown]);
      {
        Profiler::Scope ps(prof_, "elementwise bwd");
        cpu::swiglu_backward(pool, dm.data(), A.g.data(), A.u.data(), T * I, dg.data(), du.data());
      }
      adapted_linear_backward(w.gate, dg.data(), A.h2.data(), T, dh2.data(), false, lora, l, kGate, seed, A.lu[kGate]);
      adapted_linear_backward(w.up, du.data(), A.h2.data(), T, dh2.data(), true, lora, l, kUp, seed, A.lu[kUp]);
      {
        Profiler::Scope ps(prof_, "elementwise bwd");
        cpu::rmsnorm_backward(pool, dh2.data(), A.x_mid.data(), w.post_norm.data(), A.r2.data(), T, H, dx.data(), true);
      }
      // attention
      adapted_linear_backward(w.o, dx.data(), A.att.data(), T, datt.data(), false, lora, l, kO, seed, A.lu[kO]);
      {
        // S recomputed, dV, dP, dQ and dK over the visible keys
        const cpu::AttentionShape as = attention_shape(b, l);
        Profiler::Scope ps(prof_, "attention bwd", prof_.enabled() ? 10.0 * c.head_dim * c.num_heads * attention_pairs(as) : 0.0);
        cpu::attention_backward(pool, as, A.q.data(), A.k.data(), A.v.data(), A.att.data(), A.lse.data(),
                                datt.data(), dq.data(), dk.data(), dv.data());
      }
      {
        Profiler::Scope ps(prof_, "elementwise bwd");
        cpu::rope_backward(pool, dq.data(), b.positions.data(), T, c.num_heads, c.head_dim, rope.table);
        cpu::rope_backward(pool, dk.data(), b.positions.data(), T, c.num_kv_heads, c.head_dim, rope.table);
      }
      // Below layer 0 only the embedding (frozen) remains: skip the input gradient there.
      float* dh1 = l > 0 ? dh2.data() : nullptr;
      adapted_linear_backward(w.q, dq.data(), A.h1.data(), T, dh1, false, lora, l, kQ, seed, A.lu[kQ]);
      adapted_linear_backward(w.k, dk.data(), A.h1.data(), T, dh1, true, lora, l, kK, seed, A.lu[kK]);
      adapted_linear_backward(w.v, dv.data(), A.h1.data(), T, dh1, true, lora, l, kV, seed, A.lu[kV]);
      if (l > 0) {
        Profiler::Scope ps(prof_, "elementwise bwd");
        cpu::rmsnorm_backward(pool, dh2.data(), A.x_in.data(), w.input_norm.data(), A.r1.data(), T, H, dx.data(), true);
      }
      // free this layer's activations as soon as they are used
      A = LayerActs();
    }
  }

  // (query, key) pairs attention computes: each token sees its sequence up to itself, within the window
  static double attention_pairs(const cpu::AttentionShape& s) {
    double n = 0;
    for (int64_t t = 0; t < s.T; ++t) {
      const int64_t seen = t - s.seq_start[t] + 1;
      n += static_cast<double>(s.window > 0 ? std::min(seen, s.window) : seen);
    }
    return n;
  }

  cpu::AttentionShape attention_shape(const Batch& b, int layer) const {
    const ModelConfig& c = m_.config;
    return cpu::AttentionShape{b.T, c.num_heads, c.num_kv_heads, c.head_dim, c.layer_sliding[layer] ? c.sliding_window : 0,
                               b.seq_start.data(), b.seq_end.data()};
  }

  Model& m_;
  int64_t peak_bytes_ = 0;
  Profiler prof_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(Model& model) { return std::make_unique<CpuBackend>(model); }

}  // namespace flk
