// The LoRA low-rank path, with its matrix products on the shared GEMM.
#include <algorithm>
#include <vector>

#include "../rng.hpp"
#include "gemm.hpp"
#include "layers.hpp"

namespace flk::cpu {

namespace {

// drop(x) materialised: x ⊙ keep / (1 - p), keep drawn per element from the counter RNG.
const float* dropped_input(ThreadPool& pool, const float* x, int64_t T, int64_t in, const LoraView& lv, std::vector<float>& buf) {
  if (lv.dropout <= 0.0f) return x;
  buf.resize(static_cast<size_t>(T * in));
  const float keep_scale = 1.0f / (1.0f - lv.dropout);
  pool.parallel_for(T, 8, [&](int64_t t0, int64_t t1) {
    for (int64_t i = t0 * in; i < t1 * in; ++i)
      buf[i] = uniform_at(lv.dropout_key, static_cast<uint64_t>(i)) >= lv.dropout ? x[i] * keep_scale : 0.0f;
  });
  return buf.data();
}

GemmB f32(const float* p, int64_t stride_f, int64_t stride_r) { return GemmB{DType::F32, p, stride_f, stride_r}; }

}  // namespace

void lora_forward(ThreadPool& pool, const float* x, int64_t T, int64_t in, int64_t out, const LoraView& lv, float* u, float* y) {
  std::vector<float> buf;
  const float* xd = dropped_input(pool, x, T, in, lv, buf);
  const int64_t r = lv.r;
  gemm(pool, T, r, in, xd, in, 1, f32(lv.A, in, 1), u, r, false);  // u = drop(x) Aᵀ
  std::vector<float> ub(static_cast<size_t>(T * out));
  gemm(pool, T, out, r, u, r, 1, f32(lv.B, r, 1), ub.data(), out, false);  // u Bᵀ
  const float s = lv.scale;
  pool.parallel_for(T * out, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] += ub[i] * s;  // PEFT: result + lora_B(lora_A(x)) * scaling
  });
}

void lora_backward(ThreadPool& pool, const float* dy, const float* x, int64_t T, int64_t in, int64_t out, const LoraView& lv,
                   const float* u, float* gA, float* gB, float* dx) {
  const int64_t r = lv.r;
  const float s = lv.scale;
  // dz = s · dy is the gradient of z = u Bᵀ
  std::vector<float> dz(static_cast<size_t>(T * out));
  pool.parallel_for(T * out, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dz[i] = dy[i] * s;
  });
  // gB [out, r] += dzᵀ u   (reduction over tokens)
  gemm(pool, out, r, T, dz.data(), 1, out, f32(u, 1, r), gB, r, true);
  // du [T, r] = dz B
  std::vector<float> du(static_cast<size_t>(T * r));
  gemm(pool, T, r, out, dz.data(), out, 1, f32(lv.B, 1, r), du.data(), r, false);
  // gA [r, in] += duᵀ drop(x)
  std::vector<float> buf;
  const float* xd = dropped_input(pool, x, T, in, lv, buf);
  gemm(pool, r, in, T, du.data(), 1, r, f32(xd, 1, in), gA, in, true);
  if (dx == nullptr) return;
  // dx [T, in] += drop'(du A)
  std::vector<float> dxd(static_cast<size_t>(T * in));
  gemm(pool, T, in, r, du.data(), r, 1, f32(lv.A, 1, in), dxd.data(), in, false);
  const float keep_scale = lv.dropout > 0.0f ? 1.0f / (1.0f - lv.dropout) : 1.0f;
  pool.parallel_for(T, 4, [&](int64_t t0, int64_t t1) {
    for (int64_t i = t0 * in; i < t1 * in; ++i) {
      if (lv.dropout > 0.0f) {
        if (uniform_at(lv.dropout_key, static_cast<uint64_t>(i)) >= lv.dropout) dx[i] += dxd[i] * keep_scale;
      } else {
        dx[i] += dxd[i];
      }
    }
  });
}

}  // namespace flk::cpu
