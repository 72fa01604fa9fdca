#pragma once
#include "backend.hpp"

namespace flk::cuda {
// Uploads the model's weights to device `index` (throws flk::Error on failure).
Backend* create_cuda_backend(Model& model, int index, bool bf16);
}  // namespace flk::cuda
