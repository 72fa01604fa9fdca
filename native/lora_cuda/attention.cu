#include <algorithm>
#include <cmath>

#include "attention.cuh"
#include "common.cuh"
#include "gemm.cuh"

namespace flk::cuda {

namespace {

constexpr int64_t kQueryBlock = 256;
constexpr int kThreads = 256;

struct Block {
  int64_t q0, nq, k0, nk;
};

__device__ bool visible(int64_t t, int64_t j, int64_t window) { return j <= t && (window <= 0 || t - j < window); }

// rows = heads_in_group · nq rows of S; row r is head (h0 + r / nq), query (q0 + r % nq).
__global__ void k_softmax(float* S, int64_t nq, int64_t nk, int64_t q0, int64_t k0, int64_t h0, int64_t heads, int64_t window, float scale,
                          float* lse) {
  __shared__ float sh[kThreads];
  const int64_t r = blockIdx.x, t = q0 + r % nq, h = h0 + r / nq;
  float* row = S + r * nk;
  float m = -INFINITY;
  for (int64_t j = threadIdx.x; j < nk; j += kThreads) {
    const float v = visible(t, k0 + j, window) ? row[j] * scale : -INFINITY;
    row[j] = v;
    m = fmaxf(m, v);
  }
  sh[threadIdx.x] = m;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) sh[threadIdx.x] = fmaxf(sh[threadIdx.x], sh[threadIdx.x + w]);
    __syncthreads();
  }
  m = sh[0];
  __syncthreads();
  float s = 0.0f;
  for (int64_t j = threadIdx.x; j < nk; j += kThreads) {
    const float e = row[j] == -INFINITY ? 0.0f : expf(row[j] - m);
    row[j] = e;
    s += e;
  }
  sh[threadIdx.x] = s;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
    __syncthreads();
  }
  const float sum = sh[0];
  for (int64_t j = threadIdx.x; j < nk; j += kThreads) row[j] /= sum;
  if (threadIdx.x == 0) lse[t * heads + h] = m + logf(sum);
}

// P = exp(S · scale − lse) where visible, else 0 (S overwritten).
__global__ void k_recompute_p(float* S, int64_t nq, int64_t nk, int64_t q0, int64_t k0, int64_t h0, int64_t heads, int64_t window, float scale,
                              const float* lse) {
  const int64_t r = blockIdx.x, t = q0 + r % nq, h = h0 + r / nq;
  const float l = lse[t * heads + h];
  float* row = S + r * nk;
  for (int64_t j = threadIdx.x; j < nk; j += kThreads) row[j] = visible(t, k0 + j, window) ? expf(row[j] * scale - l) : 0.0f;
}

// D[r] = dO · O for each (query, head) row of the block.
__global__ void k_delta(const float* dout, const float* out, int64_t nq, int64_t q0, int64_t h0, int64_t qs, int64_t hd, float* delta) {
  __shared__ float sh[kThreads];
  const int64_t r = blockIdx.x, t = q0 + r % nq, h = h0 + r / nq;
  float s = 0.0f;
  for (int64_t d = threadIdx.x; d < hd; d += kThreads) s += dout[t * qs + h * hd + d] * out[t * qs + h * hd + d];
  sh[threadIdx.x] = s;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) delta[r] = sh[0];
}

// dS = P ⊙ (dP − D) · scale, written over dP.
__global__ void k_dscores(float* dP, const float* P, const float* delta, int64_t nk, float scale) {
  const int64_t r = blockIdx.x;
  for (int64_t j = threadIdx.x; j < nk; j += kThreads) dP[r * nk + j] = P[r * nk + j] * (dP[r * nk + j] - delta[r]) * scale;
}

std::vector<Block> blocks(const AttentionGeometry& g, int64_t seq_begin, int64_t seq_end) {
  std::vector<Block> out;
  for (int64_t q0 = seq_begin; q0 < seq_end; q0 += kQueryBlock) {
    const int64_t nq = std::min(kQueryBlock, seq_end - q0);
    int64_t k0 = seq_begin;
    if (g.window > 0) k0 = std::max(k0, q0 - g.window + 1);
    out.push_back({q0, nq, k0, q0 + nq - k0});
  }
  return out;
}

Operand f32(const float* p, int64_t ld, bool trans, int64_t stride = 0) { return Operand{p, CUDA_R_32F, ld, trans, stride}; }

}  // namespace

void attention_forward(cublasHandle_t h, cudaStream_t s, const AttentionGeometry& g, const float* q, const float* k, const float* v,
                       float* out, float* lse) {
  const int64_t hd = g.head_dim, group = g.heads / g.kv_heads, qs = g.heads * hd, kvs = g.kv_heads * hd;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  DeviceBuffer<float> S;
  for (size_t si = 0; si + 1 < g.seq_offsets.size(); ++si) {
    for (const Block& b : blocks(g, g.seq_offsets[si], g.seq_offsets[si + 1])) {
      S.resize(static_cast<size_t>(group * b.nq * b.nk));
      for (int64_t kvh = 0; kvh < g.kv_heads; ++kvh) {
        const int64_t h0 = kvh * group;
        // S[h] = Q_h Kᵀ for the group's heads (K shared: stride 0)
        gemm_batched(h, b.nq, b.nk, hd, f32(q + b.q0 * qs + h0 * hd, qs, false, hd), f32(k + b.k0 * kvs + kvh * hd, kvs, true, 0), S.get(),
                     b.nk, b.nq * b.nk, static_cast<int>(group), 1.0f, 0.0f);
        k_softmax<<<static_cast<unsigned>(group * b.nq), kThreads, 0, s>>>(S.get(), b.nq, b.nk, b.q0, b.k0, h0, g.heads, g.window, scale, lse);
        FLK_CUDA(cudaGetLastError());
        // O_h = P_h V
        gemm_batched(h, b.nq, hd, b.nk, f32(S.get(), b.nk, false, b.nq * b.nk), f32(v + b.k0 * kvs + kvh * hd, kvs, false, 0),
                     out + b.q0 * qs + h0 * hd, qs, hd, static_cast<int>(group), 1.0f, 0.0f);
      }
    }
  }
}

void attention_backward(cublasHandle_t h, cudaStream_t s, const AttentionGeometry& g, const float* q, const float* k, const float* v,
                        const float* out, const float* lse, const float* dout, float* dq, float* dk, float* dv) {
  const int64_t hd = g.head_dim, group = g.heads / g.kv_heads, qs = g.heads * hd, kvs = g.kv_heads * hd;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  FLK_CUDA(cudaMemsetAsync(dk, 0, sizeof(float) * g.T * kvs, s));
  FLK_CUDA(cudaMemsetAsync(dv, 0, sizeof(float) * g.T * kvs, s));
  DeviceBuffer<float> P, dP, delta;
  for (size_t si = 0; si + 1 < g.seq_offsets.size(); ++si) {
    for (const Block& b : blocks(g, g.seq_offsets[si], g.seq_offsets[si + 1])) {
      const int64_t rows = group * b.nq, block = b.nq * b.nk;
      P.resize(static_cast<size_t>(rows * b.nk));
      dP.resize(P.size());
      delta.resize(static_cast<size_t>(rows));
      for (int64_t kvh = 0; kvh < g.kv_heads; ++kvh) {
        const int64_t h0 = kvh * group;
        const float* kh = k + b.k0 * kvs + kvh * hd;
        const float* vh = v + b.k0 * kvs + kvh * hd;
        gemm_batched(h, b.nq, b.nk, hd, f32(q + b.q0 * qs + h0 * hd, qs, false, hd), f32(kh, kvs, true, 0), P.get(), b.nk, block,
                     static_cast<int>(group), 1.0f, 0.0f);
        k_recompute_p<<<static_cast<unsigned>(rows), kThreads, 0, s>>>(P.get(), b.nq, b.nk, b.q0, b.k0, h0, g.heads, g.window, scale, lse);
        k_delta<<<static_cast<unsigned>(rows), kThreads, 0, s>>>(dout, out, b.nq, b.q0, h0, qs, hd, delta.get());
        FLK_CUDA(cudaGetLastError());
        // dP = dO Vᵀ ; dS in place
        gemm_batched(h, b.nq, b.nk, hd, f32(dout + b.q0 * qs + h0 * hd, qs, false, hd), f32(vh, kvs, true, 0), dP.get(), b.nk, block,
                     static_cast<int>(group), 1.0f, 0.0f);
        k_dscores<<<static_cast<unsigned>(rows), kThreads, 0, s>>>(dP.get(), P.get(), delta.get(), b.nk, scale);
        FLK_CUDA(cudaGetLastError());
        // dQ_h = dS_h K
        gemm_batched(h, b.nq, hd, b.nk, f32(dP.get(), b.nk, false, block), f32(kh, kvs, false, 0), dq + b.q0 * qs + h0 * hd, qs, hd,
                     static_cast<int>(group), 1.0f, 0.0f);
        // dV += Σ_h P_hᵀ dO_h and dK += Σ_h dS_hᵀ Q_h, one head after another (a fixed order)
        for (int64_t i = 0; i < group; ++i) {
          const int64_t hh = h0 + i;
          gemm(h, b.nk, hd, b.nq, f32(P.get() + i * block, b.nk, true), f32(dout + b.q0 * qs + hh * hd, qs, false), dv + b.k0 * kvs + kvh * hd,
               kvs, 1.0f, 1.0f);
          gemm(h, b.nk, hd, b.nq, f32(dP.get() + i * block, b.nk, true), f32(q + b.q0 * qs + hh * hd, qs, false), dk + b.k0 * kvs + kvh * hd,
               kvs, 1.0f, 1.0f);
        }
      }
    }
  }
}

}  // namespace flk::cuda
