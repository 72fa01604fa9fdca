#include <algorithm>
#include <vector>

#include "../rng.hpp"
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

}  // namespace

void lora_forward(ThreadPool& pool, const float* x, int64_t T, int64_t in, int64_t out, const LoraView& lv, float* u, float* y) {
  std::vector<float> buf;
  const float* xd = dropped_input(pool, x, T, in, lv, buf);
  const int64_t r = lv.r;
  pool.parallel_for(T, 4, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* ut = u + t * r;
      for (int64_t j = 0; j < r; ++j) ut[j] = dot(xd + t * in, lv.A + j * in, in);
      float* yt = y + t * out;
      for (int64_t o = 0; o < out; ++o) yt[o] += lv.scale * dot(ut, lv.B + o * r, r);
    }
  });
}

void lora_backward(ThreadPool& pool, const float* dy, const float* x, int64_t T, int64_t in, int64_t out, const LoraView& lv,
                   const float* u, float* gA, float* gB, float* dx) {
  const int64_t r = lv.r;
  const float s = lv.scale;
  // du [T, r] = s · dy B
  std::vector<float> du(static_cast<size_t>(T * r));
  pool.parallel_for(T, 4, [&](int64_t t0, int64_t t1) {
    std::vector<float> acc(static_cast<size_t>(r));
    for (int64_t t = t0; t < t1; ++t) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t o = 0; o < out; ++o) {
        const float g = dy[t * out + o];
        const float* b = lv.B + o * r;
        for (int64_t j = 0; j < r; ++j) acc[j] += g * b[j];
      }
      for (int64_t j = 0; j < r; ++j) du[t * r + j] = s * acc[j];
    }
  });
  // gB [out, r] += s · dyᵀ u   (sum over tokens in order)
  pool.parallel_for(out, 8, [&](int64_t o0, int64_t o1) {
    std::vector<float> acc(static_cast<size_t>(r));
    for (int64_t o = o0; o < o1; ++o) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t t = 0; t < T; ++t) {
        const float g = dy[t * out + o];
        const float* ut = u + t * r;
        for (int64_t j = 0; j < r; ++j) acc[j] += g * ut[j];
      }
      float* gb = gB + o * r;
      for (int64_t j = 0; j < r; ++j) gb[j] += s * acc[j];
    }
  });
  // gA [r, in] += duᵀ drop(x)
  std::vector<float> buf;
  const float* xd = dropped_input(pool, x, T, in, lv, buf);
  constexpr int64_t kTile = 64;
  pool.parallel_for((in + kTile - 1) / kTile, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> acc(static_cast<size_t>(r * kTile));
    for (int64_t blk = b0; blk < b1; ++blk) {
      const int64_t i0 = blk * kTile, n = std::min(in, i0 + kTile) - i0;
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t t = 0; t < T; ++t) {
        const float* xt = xd + t * in + i0;
        for (int64_t j = 0; j < r; ++j) {
          const float g = du[t * r + j];
          float* a = acc.data() + j * kTile;
          for (int64_t i = 0; i < n; ++i) a[i] += g * xt[i];
        }
      }
      for (int64_t j = 0; j < r; ++j)
        for (int64_t i = 0; i < n; ++i) gA[j * in + i0 + i] += acc[j * kTile + i];
    }
  });
  // dx [T, in] += drop'(du A)
  if (dx == nullptr) return;
  const float keep_scale = lv.dropout > 0.0f ? 1.0f / (1.0f - lv.dropout) : 1.0f;
  pool.parallel_for(T, 4, [&](int64_t t0, int64_t t1) {
    std::vector<float> acc(static_cast<size_t>(in));
    for (int64_t t = t0; t < t1; ++t) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t j = 0; j < r; ++j) {
        const float g = du[t * r + j];
        const float* a = lv.A + j * in;
        for (int64_t i = 0; i < in; ++i) acc[i] += g * a[i];
      }
      float* d = dx + t * in;
      if (lv.dropout > 0.0f) {
        for (int64_t i = 0; i < in; ++i)
          if (uniform_at(lv.dropout_key, static_cast<uint64_t>(t * in + i)) >= lv.dropout) d[i] += acc[i] * keep_scale;
      } else {
        for (int64_t i = 0; i < in; ++i) d[i] += acc[i];
      }
    }
  });
}

}  // namespace flk::cpu
