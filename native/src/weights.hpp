// Frozen base-model weights as views into the mapped checkpoint (any of F32/BF16/F16).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dtype.hpp"
#include "model_config.hpp"
#include "safetensors.hpp"

namespace flk {

// A [rows, cols] row-major matrix in its storage dtype.
struct Weight {
  std::string name;
  DType dtype = DType::F32;
  const uint8_t* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float> owned;  // fp32 copy when the mapped data is misaligned

  // Rows [r0, r0 + n) as fp32: a direct pointer for aligned F32, else converted into `scratch`
  // (which must hold n * cols floats).
  const float* rows_f32(int64_t r0, int64_t n, float* scratch) const;
  // Elements [c0, c0 + n) of row r as fp32 (same rules; `scratch` holds n floats).
  const float* segment_f32(int64_t r, int64_t c0, int64_t n, float* scratch) const;
};

struct Linear {
  Weight w;                 // [out, in]
  std::vector<float> bias;  // empty or [out]
  int64_t in() const { return w.cols; }
  int64_t out() const { return w.rows; }
};

struct LayerWeights {
  std::vector<float> input_norm;
  std::vector<float> post_norm;
  Linear q, k, v, o, gate, up, down;
};

struct ModelWeights {
  std::unique_ptr<Checkpoint> checkpoint;  // owns the mappings the views point into
  Weight embed;                            // [vocab, hidden]
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm;
  Weight lm_head;  // [vocab, hidden]; a copy of the embed view when tied
  int64_t num_parameters = 0;
  int64_t weight_bytes = 0;
  DType main_dtype = DType::F32;
};

// Maps every tensor the config needs, checking names, shapes and dtypes.
ModelWeights load_weights(const std::string& dir, const ModelConfig& config);

}  // namespace flk
