#include <vector>

#include "common.cuh"
#include "kernels.cuh"
#include "rng.hpp"

namespace flk::cuda {

namespace {

constexpr int kThreads = 256;
inline unsigned blocks_for(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

// Sum over the block in a fixed tree (blockDim.x == kThreads).
template <typename T>
__device__ T block_sum(T v, T* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) shared[threadIdx.x] += shared[threadIdx.x + w];
    __syncthreads();
  }
  T r = shared[0];
  __syncthreads();
  return r;
}

__device__ float block_max(float v, float* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) shared[threadIdx.x] = fmaxf(shared[threadIdx.x], shared[threadIdx.x + w]);
    __syncthreads();
  }
  float r = shared[0];
  __syncthreads();
  return r;
}

__global__ void k_to_bf16(const float* x, __nv_bfloat16* y, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = __float2bfloat16(x[i]);
}

__global__ void k_embedding(const void* E, bool bf16, const int32_t* tokens, int64_t T, int64_t H, float* x) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= T * H) return;
  const int64_t t = i / H, h = i % H, row = tokens[t];
  x[i] = bf16 ? __bfloat162float(static_cast<const __nv_bfloat16*>(E)[row * H + h]) : static_cast<const float*>(E)[row * H + h];
}

__global__ void k_rmsnorm_forward(const float* x, const float* w, int64_t D, float eps, float* y, float* r) {
  __shared__ float sh[kThreads];
  const float* xt = x + blockIdx.x * D;
  float s = 0.0f;
  for (int64_t i = threadIdx.x; i < D; i += kThreads) s += xt[i] * xt[i];
  const float rt = rsqrtf(block_sum(s, sh) / static_cast<float>(D) + eps);
  if (threadIdx.x == 0) r[blockIdx.x] = rt;
  float* yt = y + blockIdx.x * D;
  for (int64_t i = threadIdx.x; i < D; i += kThreads) yt[i] = w[i] * (xt[i] * rt);
}

__global__ void k_rmsnorm_backward(const float* dy, const float* x, const float* w, const float* r, int64_t D, float* dx, bool acc) {
  __shared__ float sh[kThreads];
  const float* xt = x + blockIdx.x * D;
  const float* gt = dy + blockIdx.x * D;
  float s = 0.0f;
  for (int64_t i = threadIdx.x; i < D; i += kThreads) s += w[i] * gt[i] * xt[i];
  const float sum = block_sum(s, sh);
  const float rt = r[blockIdx.x];
  const float c = rt * rt * rt * sum / static_cast<float>(D);
  float* d = dx + blockIdx.x * D;
  for (int64_t i = threadIdx.x; i < D; i += kThreads) {
    const float v = rt * w[i] * gt[i] - xt[i] * c;
    d[i] = acc ? d[i] + v : v;
  }
}

__global__ void k_rope(float* x, const int32_t* pos, int64_t T, int64_t heads, int64_t hd, const float* cs, const float* sn, bool bwd) {
  const int64_t half = hd / 2;
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= T * heads * half) return;
  const int64_t t = i / (heads * half), rem = i % (heads * half), h = rem / half, j = rem % half;
  float* v = x + (t * heads + h) * hd;
  const float c = cs[pos[t] * half + j], s = sn[pos[t] * half + j];
  const float a = v[j], b = v[j + half];
  if (!bwd) {
    v[j] = a * c - b * s;
    v[j + half] = b * c + a * s;
  } else {
    v[j] = a * c + b * s;
    v[j + half] = b * c - a * s;
  }
}

__global__ void k_swiglu_forward(const float* g, const float* u, int64_t n, float* m) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float sig = 1.0f / (1.0f + expf(-g[i]));
  m[i] = g[i] * sig * u[i];
}

__global__ void k_swiglu_backward(const float* dm, const float* g, const float* u, int64_t n, float* dg, float* du) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float sig = 1.0f / (1.0f + expf(-g[i]));
  du[i] = dm[i] * g[i] * sig;
  dg[i] = dm[i] * u[i] * sig * (1.0f + g[i] * (1.0f - sig));
}

__global__ void k_add(float* x, const float* y, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) x[i] += y[i];
}

__global__ void k_axpy(float a, const float* x, float* y, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] += x[i] * a;
}

__global__ void k_add_bias(float* y, const float* b, int64_t T, int64_t out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < T * out) y[i] += b[i % out];
}

__global__ void k_scale(const float* x, float a, float* y, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = x[i] * a;
}

__global__ void k_dropout(const float* x, float* y, int64_t n, float p, uint64_t key) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = uniform_at(key, static_cast<uint64_t>(i)) >= p ? x[i] * (1.0f / (1.0f - p)) : 0.0f;
}

__global__ void k_dropout_backward_add(const float* g, float* dx, int64_t n, float p, uint64_t key) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n && uniform_at(key, static_cast<uint64_t>(i)) >= p) dx[i] += g[i] * (1.0f / (1.0f - p));
}

// One block per row; double accumulation of Σ exp like the CPU backend.
__global__ void k_cross_entropy(float* logits, int64_t V, const int32_t* targets, float* loss, float grad_scale, bool grad) {
  __shared__ float shf[kThreads];
  __shared__ double shd[kThreads];
  float* l = logits + blockIdx.x * V;
  const int32_t y = targets[blockIdx.x];
  if (y < 0) {
    if (threadIdx.x == 0) loss[blockIdx.x] = 0.0f;
    if (grad)
      for (int64_t i = threadIdx.x; i < V; i += kThreads) l[i] = 0.0f;
    return;
  }
  float m = -INFINITY;
  for (int64_t i = threadIdx.x; i < V; i += kThreads) m = fmaxf(m, l[i]);
  m = block_max(m, shf);
  double s = 0.0;
  for (int64_t i = threadIdx.x; i < V; i += kThreads) s += exp(static_cast<double>(l[i] - m));
  const double lse = static_cast<double>(m) + log(block_sum(s, shd));
  const float target_logit = l[y];
  __syncthreads();
  if (threadIdx.x == 0) loss[blockIdx.x] = static_cast<float>(lse - static_cast<double>(target_logit));
  if (!grad) return;
  for (int64_t i = threadIdx.x; i < V; i += kThreads) {
    float v = static_cast<float>(exp(static_cast<double>(l[i]) - lse)) * grad_scale;
    if (i == y) v -= grad_scale;
    l[i] = v;
  }
}

__global__ void k_adamw(float* p, const float* g, float* m, float* v, int64_t n, float b1, float b2, float eps, float decay, float step_size,
                        float bc2_sqrt, float coef) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float gi = g[i] * coef;
  p[i] *= decay;
  m[i] += (1.0f - b1) * (gi - m[i]);
  v[i] = v[i] * b2 + (1.0f - b2) * gi * gi;
  p[i] -= step_size * (m[i] / (sqrtf(v[i]) / bc2_sqrt + eps));
}

constexpr int kSumBlocks = 256;
__global__ void k_sum_squares(const float* g, int64_t n, double* partials) {
  __shared__ double sh[kThreads];
  double s = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(kThreads) + threadIdx.x; i < n; i += static_cast<int64_t>(kSumBlocks) * kThreads)
    s += static_cast<double>(g[i]) * g[i];
  const double total = block_sum(s, sh);
  if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

}  // namespace

#define FLK_LAUNCH(kernel, n, s, ...)                                     \
  do {                                                                    \
    if ((n) > 0) kernel<<<blocks_for(n), kThreads, 0, s>>>(__VA_ARGS__);  \
    FLK_CUDA(cudaGetLastError());                                         \
  } while (0)

void to_bf16(const float* x, __nv_bfloat16* y, int64_t n, cudaStream_t s) { FLK_LAUNCH(k_to_bf16, n, s, x, y, n); }
void embedding(const void* E, bool bf16, const int32_t* tokens, int64_t T, int64_t H, float* x, cudaStream_t s) {
  FLK_LAUNCH(k_embedding, T * H, s, E, bf16, tokens, T, H, x);
}
void rmsnorm_forward(const float* x, const float* w, int64_t T, int64_t D, float eps, float* y, float* r, cudaStream_t s) {
  if (T > 0) k_rmsnorm_forward<<<static_cast<unsigned>(T), kThreads, 0, s>>>(x, w, D, eps, y, r);
  FLK_CUDA(cudaGetLastError());
}
void rmsnorm_backward(const float* dy, const float* x, const float* w, const float* r, int64_t T, int64_t D, float* dx, bool accumulate,
                      cudaStream_t s) {
  if (T > 0) k_rmsnorm_backward<<<static_cast<unsigned>(T), kThreads, 0, s>>>(dy, x, w, r, D, dx, accumulate);
  FLK_CUDA(cudaGetLastError());
}
void rope(float* x, const int32_t* pos, int64_t T, int64_t heads, int64_t hd, const float* cos, const float* sin, bool backward,
          cudaStream_t s) {
  FLK_LAUNCH(k_rope, T * heads * (hd / 2), s, x, pos, T, heads, hd, cos, sin, backward);
}
void swiglu_forward(const float* g, const float* u, int64_t n, float* m, cudaStream_t s) { FLK_LAUNCH(k_swiglu_forward, n, s, g, u, n, m); }
void swiglu_backward(const float* dm, const float* g, const float* u, int64_t n, float* dg, float* du, cudaStream_t s) {
  FLK_LAUNCH(k_swiglu_backward, n, s, dm, g, u, n, dg, du);
}
void add_inplace(float* x, const float* y, int64_t n, cudaStream_t s) { FLK_LAUNCH(k_add, n, s, x, y, n); }
void axpy(float a, const float* x, float* y, int64_t n, cudaStream_t s) { FLK_LAUNCH(k_axpy, n, s, a, x, y, n); }
void add_bias(float* y, const float* b, int64_t T, int64_t out, cudaStream_t s) { FLK_LAUNCH(k_add_bias, T * out, s, y, b, T, out); }
void scale(const float* x, float a, float* y, int64_t n, cudaStream_t s) { FLK_LAUNCH(k_scale, n, s, x, a, y, n); }
void dropout(const float* x, float* y, int64_t n, float p, uint64_t key, cudaStream_t s) { FLK_LAUNCH(k_dropout, n, s, x, y, n, p, key); }
void dropout_backward_add(const float* g, float* dx, int64_t n, float p, uint64_t key, cudaStream_t s) {
  FLK_LAUNCH(k_dropout_backward_add, n, s, g, dx, n, p, key);
}
void cross_entropy(float* logits, int64_t rows, int64_t V, const int32_t* targets, float* loss, float grad_scale, bool grad, cudaStream_t s) {
  if (rows > 0) k_cross_entropy<<<static_cast<unsigned>(rows), kThreads, 0, s>>>(logits, V, targets, loss, grad_scale, grad);
  FLK_CUDA(cudaGetLastError());
}
void adamw(float* p, const float* g, float* m, float* v, int64_t n, float b1, float b2, float eps, float decay, float step_size, float bc2_sqrt,
           float coef, cudaStream_t s) {
  FLK_LAUNCH(k_adamw, n, s, p, g, m, v, n, b1, b2, eps, decay, step_size, bc2_sqrt, coef);
}
double sum_of_squares(const float* g, int64_t n, cudaStream_t s) {
  DeviceBuffer<double> partials(kSumBlocks);
  k_sum_squares<<<kSumBlocks, kThreads, 0, s>>>(g, n, partials.get());
  FLK_CUDA(cudaGetLastError());
  std::vector<double> host(kSumBlocks);
  FLK_CUDA(cudaMemcpyAsync(host.data(), partials.get(), sizeof(double) * kSumBlocks, cudaMemcpyDeviceToHost, s));
  FLK_CUDA(cudaStreamSynchronize(s));
  double total = 0.0;
  for (double v : host) total += v;
  return total;
}

}  // namespace flk::cuda
