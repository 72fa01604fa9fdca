// AdamW (PyTorch's decoupled weight decay) and HF Trainer's learning-rate schedules.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace flk {

struct AdamWConfig {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

enum class Schedule { kLinear, kCosine, kConstant };
bool parse_schedule(const std::string& name, Schedule* out);

// HF's LambdaLR factor at optimizer step `step` (0-based): linear warmup from 0, then
// linear decay to 0 / half-cosine to 0 / constant.
double lr_factor(Schedule s, int64_t step, int64_t warmup_steps, int64_t total_steps);

// torch.optim.AdamW's single-tensor update, in fp32, with grads multiplied by grad_coef
// first (gradient clipping). `step` is 1-based.
void adamw_update(float* params, const float* grads, float* m, float* v, int64_t n, const AdamWConfig& c, double lr,
                  int64_t step, float grad_coef);

double sum_of_squares(const float* g, int64_t n);

}  // namespace flk
