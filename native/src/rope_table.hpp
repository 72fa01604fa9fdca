// cos/sin of every (position, frequency) a batch needs, computed as HF does in fp32.
#pragma once
#include <cmath>
#include <vector>

#include "cpu/layers.hpp"

namespace flk {

struct RopeTableOwner {
  std::vector<float> cos, sin;
  cpu::RopeTable table;

  RopeTableOwner(const std::vector<float>& inv_freq, int64_t max_pos) {
    const int64_t half = static_cast<int64_t>(inv_freq.size());
    cos.resize(max_pos * half);
    sin.resize(max_pos * half);
    for (int64_t p = 0; p < max_pos; ++p)
      for (int64_t i = 0; i < half; ++i) {
        const float angle = static_cast<float>(p) * inv_freq[i];
        cos[p * half + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
        sin[p * half + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
      }
    table = cpu::RopeTable{max_pos, half, cos.data(), sin.data()};
  }
};

}  // namespace flk
