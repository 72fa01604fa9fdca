#pragma once
#include <cstdint>

#include "layers.hpp"

namespace flk::cpu {

// For every position t with targets[t] >= 0: loss[t] = logsumexp(h[t]·Wᵀ) - (h[t]·Wᵀ)[targets[t]]
// (0 elsewhere). Optional: logits_out [T, V] for every position; dh [T, H] = grad_scale · ∂loss[t]/∂h[t].
void lm_head_cross_entropy(ThreadPool& pool, const float* h, int64_t T, const Weight& W, const int32_t* targets,
                           float* loss, float* logits_out, float* dh, float grad_scale, int64_t chunk);

}  // namespace flk::cpu
