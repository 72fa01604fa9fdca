#include "optimizer.hpp"

#include <algorithm>
#include <cmath>

namespace flk {

bool parse_schedule(const std::string& name, Schedule* out) {
  if (name == "linear") *out = Schedule::kLinear;
  else if (name == "cosine") *out = Schedule::kCosine;
  else if (name == "constant" || name == "constant_with_warmup") *out = Schedule::kConstant;
  else return false;
  return true;
}

double lr_factor(Schedule s, int64_t step, int64_t warmup, int64_t total) {
  if (step < warmup) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
  switch (s) {
    case Schedule::kLinear:
      return std::max(0.0, static_cast<double>(total - step) / static_cast<double>(std::max<int64_t>(1, total - warmup)));
    case Schedule::kCosine: {
      const double progress = static_cast<double>(step - warmup) / static_cast<double>(std::max<int64_t>(1, total - warmup));
      return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
    }
    case Schedule::kConstant:
      return 1.0;
  }
  return 1.0;
}

void adamw_update(float* p, const float* g, float* m, float* v, int64_t n, const AdamWConfig& c, double lr, int64_t step,
                  float grad_coef) {
  const float decay = static_cast<float>(1.0 - lr * c.weight_decay);
  const float b1 = static_cast<float>(c.beta1), b2 = static_cast<float>(c.beta2);
  const double bc1 = 1.0 - std::pow(c.beta1, static_cast<double>(step));
  const double bc2_sqrt = std::sqrt(1.0 - std::pow(c.beta2, static_cast<double>(step)));
  const float step_size = static_cast<float>(lr / bc1);
  const float bc2_sqrt_f = static_cast<float>(bc2_sqrt);
  const float eps = static_cast<float>(c.eps);
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] * grad_coef;
    p[i] *= decay;
    m[i] += (1.0f - b1) * (gi - m[i]);
    v[i] = v[i] * b2 + (1.0f - b2) * gi * gi;
    const float denom = std::sqrt(v[i]) / bc2_sqrt_f + eps;
    p[i] -= step_size * (m[i] / denom);
  }
}

double sum_of_squares(const float* g, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(g[i]) * g[i];
  return s;
}

}  // namespace flk
