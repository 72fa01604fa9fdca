// The base model's forward pass and loss on the CPU backend.
#pragma once
#include <vector>

#include "model.hpp"

namespace flk {

struct LossTotals {
  double loss_sum = 0.0;
  int64_t num_targets = 0;
  std::vector<double> seq_loss_sum;
  std::vector<int64_t> seq_num_targets;
};

// Sums per-position losses in a fixed order (token order), per sequence and overall.
LossTotals sum_losses(const Batch& b, const std::vector<float>& loss);

LossTotals forward_loss(Model& m, const Batch& b, float* logits_out);

}  // namespace flk
