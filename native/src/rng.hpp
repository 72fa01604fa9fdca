// Counter-based random numbers: every draw is a pure function of (key, index),
// so LoRA init, dropout masks and data order are reproducible from the seed and
// independent of thread count. splitmix64 mixing (Steele, Lea & Flood 2014).
#pragma once
#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define FLK_HD __host__ __device__
#else
#define FLK_HD
#endif

namespace flk {

// mix64 and uniform_at also run on the GPU, so both backends draw the same dropout masks.
FLK_HD inline uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A key derived from a seed and a path of integers (e.g. seed, layer, module, step).
inline uint64_t derive_key(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  return mix64(mix64(mix64(mix64(seed) ^ a) ^ b) ^ c);
}

// Uniform in [0, 1) with 24 random bits: exactly representable as float.
FLK_HD inline float uniform_at(uint64_t key, uint64_t index) {
  return static_cast<float>(mix64(key ^ mix64(index)) >> 40) * (1.0f / 16777216.0f);
}

// Standard normal (Box-Muller on two counter draws).
inline double normal_at(uint64_t key, uint64_t index) {
  const double u1 = (static_cast<double>(mix64(key ^ mix64(2 * index)) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  const double u2 = static_cast<double>(mix64(key ^ mix64(2 * index + 1)) >> 11) * (1.0 / 9007199254740992.0);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Sequential generator for shuffles: state advances by one mix per draw.
struct SplitMix64 {
  uint64_t state;
  explicit SplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next() {
    state += 0x9e3779b97f4a7c15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform integer in [0, n) by rejection (no modulo bias).
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
      const uint64_t x = next();
      if (x < limit) return x % n;
    }
  }
};

}  // namespace flk
