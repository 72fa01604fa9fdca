// Causal GQA attention on the GPU for packed sequences, as GEMMs over blocks of
// queries (never a T×T matrix for long sequences) with the probabilities
// recomputed from the saved log-sum-exp in the backward pass.
#pragma once
#include <cublas_v2.h>

#include <cstdint>
#include <vector>

namespace flk::cuda {

struct AttentionGeometry {
  int64_t T, heads, kv_heads, head_dim, window;  // window 0 = full causal
  std::vector<int64_t> seq_offsets;               // host: sequence starts, plus T
};

void attention_forward(cublasHandle_t h, cudaStream_t s, const AttentionGeometry& g, const float* q, const float* k, const float* v,
                       float* out, float* lse);
void attention_backward(cublasHandle_t h, cudaStream_t s, const AttentionGeometry& g, const float* q, const float* k, const float* v,
                        const float* out, const float* lse, const float* dout, float* dq, float* dk, float* dv);

}  // namespace flk::cuda
