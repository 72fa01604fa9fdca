// Element-wise and per-row kernels of the CUDA backend (fp32 activations). Every
// output is written by one thread, and reductions use a fixed tree, so results
// are the same on every run.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace flk::cuda {

void to_bf16(const float* x, __nv_bfloat16* y, int64_t n, cudaStream_t s);
// x[t] = E[tokens[t]] (E in bf16 or fp32)
void embedding(const void* E, bool bf16, const int32_t* tokens, int64_t T, int64_t H, float* x, cudaStream_t s);
void rmsnorm_forward(const float* x, const float* w, int64_t T, int64_t D, float eps, float* y, float* r, cudaStream_t s);
void rmsnorm_backward(const float* dy, const float* x, const float* w, const float* r, int64_t T, int64_t D, float* dx,
                      bool accumulate, cudaStream_t s);
// HF rotate_half rotation in place; backward applies the transpose.
void rope(float* x, const int32_t* pos, int64_t T, int64_t heads, int64_t hd, const float* cos, const float* sin, bool backward,
          cudaStream_t s);
void swiglu_forward(const float* g, const float* u, int64_t n, float* m, cudaStream_t s);
void swiglu_backward(const float* dm, const float* g, const float* u, int64_t n, float* dg, float* du, cudaStream_t s);
void add_inplace(float* x, const float* y, int64_t n, cudaStream_t s);
// y += a · x
void axpy(float a, const float* x, float* y, int64_t n, cudaStream_t s);
// y[t, o] += b[o]
void add_bias(float* y, const float* b, int64_t T, int64_t out, cudaStream_t s);
void scale(const float* x, float a, float* y, int64_t n, cudaStream_t s);
// y = x ⊙ keep / (1 − p), keep = uniform_at(key, i) ≥ p (the CPU backend's masks)
void dropout(const float* x, float* y, int64_t n, float p, uint64_t key, cudaStream_t s);
// dx += keep · g / (1 − p)
void dropout_backward_add(const float* g, float* dx, int64_t n, float p, uint64_t key, cudaStream_t s);
// Per row of logits [rows, V]: loss = lse − logit[target]; with grad, the row becomes
// grad_scale · (softmax − onehot). Rows with target < 0 get loss 0 (and grad 0).
void cross_entropy(float* logits, int64_t rows, int64_t V, const int32_t* targets, float* loss, float grad_scale, bool grad,
                   cudaStream_t s);
// torch.optim.AdamW's update with grads scaled by coef; step is 1-based.
void adamw(float* p, const float* g, float* m, float* v, int64_t n, float b1, float b2, float eps, float decay, float step_size,
           float bc2_sqrt, float coef, cudaStream_t s);
// Σ g² on the device, summed on the host in a fixed order.
double sum_of_squares(const float* g, int64_t n, cudaStream_t s);

}  // namespace flk::cuda
