// The frozen base weights in device memory: matrices in bf16 (or fp32 in the fp32
// mode), norms and biases in fp32. Uploaded once per model and device.
#pragma once
#include <vector>

#include "common.cuh"
#include "model.hpp"

namespace flk::cuda {

struct DeviceMatrix {
  DeviceBuffer<uint8_t> data;
  int64_t rows = 0, cols = 0;
  cudaDataType_t type = CUDA_R_16BF;
  const void* ptr() const { return data.get(); }
};

struct DeviceLinear {
  DeviceMatrix w;
  DeviceBuffer<float> bias;  // empty when none
};

struct DeviceLayer {
  DeviceBuffer<float> input_norm, post_norm;
  DeviceLinear q, k, v, o, gate, up, down;
};

struct DeviceWeights {
  bool bf16 = true;
  DeviceMatrix embed;
  DeviceMatrix lm_head_own;           // only when untied
  const DeviceMatrix* lm_head = nullptr;
  std::vector<DeviceLayer> layers;
  DeviceBuffer<float> final_norm;
  size_t bytes = 0;
};

void upload_weights(const Model& model, bool bf16, cudaStream_t s, DeviceWeights* out);

}  // namespace flk::cuda
