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
  // y += (s·u) Bᵀ, accumulated straight into y: no [T, out] temporary
  std::vector<float> us(static_cast<size_t>(T * r));
  for (int64_t i = 0; i < T * r; ++i) us[i] = u[i] * lv.scale;
  gemm(pool, T, out, r, us.data(), r, 1, f32(lv.B, r, 1), y, out, true);
}

void lora_backward(ThreadPool& pool, const float* dy, const float* x, int64_t T, int64_t in, int64_t out, const LoraView& lv,
                   const float* u, float* gA, float* gB, float* dx) {
  const int64_t r = lv.r;
  const float s = lv.scale;
  // gB [out, r] += dyᵀ (s·u)   (reduction over tokens), formed as its transpose (s·u)ᵀ dy so
  // that dy is read in place along its rows, then added in
  std::vector<float> us(static_cast<size_t>(T * r));
  for (int64_t i = 0; i < T * r; ++i) us[i] = u[i] * s;
  std::vector<float> gBt(static_cast<size_t>(r * out));
  gemm(pool, r, out, T, us.data(), 1, r, f32(dy, 1, out), gBt.data(), out, false);
  pool.parallel_for(out, 64, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t k = 0; k < r; ++k) gB[o * r + k] += gBt[k * out + o];
  });
  // du [T, r] = s · (dy B)
  std::vector<float> du(static_cast<size_t>(T * r));
  gemm(pool, T, r, out, dy, out, 1, f32(lv.B, 1, r), du.data(), r, false);
  for (auto& v : du) v *= s;
  // gA [r, in] += duᵀ drop(x)
  std::vector<float> buf;
  const float* xd = dropped_input(pool, x, T, in, lv, buf);
  gemm(pool, r, in, T, du.data(), 1, r, f32(xd, 1, in), gA, in, true);
  if (dx == nullptr) return;
  if (lv.dropout <= 0.0f) {
    gemm(pool, T, in, r, du.data(), r, 1, f32(lv.A, 1, in), dx, in, true);  // dx += du A
    return;
  }
  // dx += drop'(du A)
  std::vector<float> dxd(static_cast<size_t>(T * in));
  gemm(pool, T, in, r, du.data(), r, 1, f32(lv.A, 1, in), dxd.data(), in, false);
  const float keep_scale = 1.0f / (1.0f - lv.dropout);
  pool.parallel_for(T, 4, [&](int64_t t0, int64_t t1) {
    for (int64_t i = t0 * in; i < t1 * in; ++i)
      if (uniform_at(lv.dropout_key, static_cast<uint64_t>(i)) >= lv.dropout) dx[i] += dxd[i] * keep_scale;
  });
}

}  // namespace flk::cpu
