// CPU reference layers: one forward (and, for training, backward) function per
// layer on plain row-major fp32 arrays. Every output element is computed by one
// thread with a fixed summation order, so results do not depend on thread count.
#pragma once
#include <cstdint>

#include "../thread_pool.hpp"
#include "../weights.hpp"

namespace flk::cpu {

// Sum of a[i]*b[i] with eight fixed partial sums (vectorisable, order fixed).
float dot(const float* a, const float* b, int64_t n);
// y[i] += alpha · x[i]
void axpy(float alpha, const float* x, float* y, int64_t n);

// ---- embedding: x[t] = E[tokens[t]]
void embedding_forward(ThreadPool& pool, const Weight& E, const int32_t* tokens, int64_t T, float* x);

// ---- linear: y[T,out] = x[T,in] · W^T (+ bias); y is overwritten.
void linear_forward(ThreadPool& pool, const float* x, int64_t T, const Linear& L, float* y);
// Same for a bare weight (LM head).
void matmul_wt(ThreadPool& pool, const float* x, int64_t T, const Weight& W, float* y);
// dx[T,in] (+)= dy[T,out] · W
void linear_backward_input(ThreadPool& pool, const float* dy, int64_t T, const Weight& W, float* dx, bool accumulate);

// ---- RMSNorm: y = w ⊙ x · r, r = 1/sqrt(mean(x²) + eps); r saved per row.
void rmsnorm_forward(ThreadPool& pool, const float* x, const float* w, int64_t T, int64_t D, double eps, float* y, float* r);
// dx (+)= ∂/∂x given dy (norm weights are frozen).
void rmsnorm_backward(ThreadPool& pool, const float* dy, const float* x, const float* w, const float* r, int64_t T, int64_t D,
                      float* dx, bool accumulate);

// ---- rotary embeddings (HF rotate_half convention), in place on [T, heads, head_dim].
struct RopeTable {
  int64_t max_pos = 0;
  int64_t half = 0;
  float* cos = nullptr;  // [max_pos, half]
  float* sin = nullptr;
};
void rope_forward(ThreadPool& pool, float* x, const int32_t* pos, int64_t T, int64_t heads, int64_t head_dim, const RopeTable& rt);
void rope_backward(ThreadPool& pool, float* dx, const int32_t* pos, int64_t T, int64_t heads, int64_t head_dim, const RopeTable& rt);

// ---- causal GQA attention within each sequence of a packed batch.
struct AttentionShape {
  int64_t T;            // tokens in the batch
  int64_t heads;        // query heads
  int64_t kv_heads;
  int64_t head_dim;
  int64_t window;       // 0 = full causal, else a key at distance >= window is masked
  const int64_t* seq_start;  // [T]: index of the first token of t's sequence
  const int64_t* seq_end;    // [T]: one past the last token of t's sequence
};
// q [T, heads*hd], k/v [T, kv_heads*hd] -> out [T, heads*hd]; lse [T, heads] (log-sum-exp of scaled scores)
void attention_forward(ThreadPool& pool, const AttentionShape& s, const float* q, const float* k, const float* v, float* out,
                       float* lse);
// Gradients of q, k, v (overwritten) given d_out, recomputing probabilities from lse.
void attention_backward(ThreadPool& pool, const AttentionShape& s, const float* q, const float* k, const float* v,
                        const float* out, const float* lse, const float* dout, float* dq, float* dk, float* dv);

// ---- SwiGLU: m = silu(g) ⊙ u
void swiglu_forward(ThreadPool& pool, const float* g, const float* u, int64_t n, float* m);
void swiglu_backward(ThreadPool& pool, const float* dm, const float* g, const float* u, int64_t n, float* dg, float* du);

// ---- LoRA low-rank path of an adapted linear: y += s · (drop(x) Aᵀ) Bᵀ
struct LoraView {
  const float* A;  // [r, in]
  const float* B;  // [out, r]
  int64_t r;
  float scale;
  float dropout;         // probability; 0 = off (evaluation)
  uint64_t dropout_key;  // counter-RNG key of this (step, micro-batch, layer, module)
};
// u [T, r] = drop(x) Aᵀ is saved for the backward pass.
void lora_forward(ThreadPool& pool, const float* x, int64_t T, int64_t in, int64_t out, const LoraView& lv, float* u, float* y);
// gA [r, in] += duᵀ drop(x), gB [out, r] += s dyᵀ u, and dx [T, in] += drop'((s dy B) A).
void lora_backward(ThreadPool& pool, const float* dy, const float* x, int64_t T, int64_t in, int64_t out, const LoraView& lv,
                   const float* u, float* gA, float* gB, float* dx);

// ---- residual: x += y
void add_inplace(ThreadPool& pool, float* x, const float* y, int64_t n);

}  // namespace flk::cpu
