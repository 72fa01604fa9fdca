// The C entry points of libflock_cuda.so (see src/cuda_plugin.hpp).
#include <cuda_runtime.h>

#include <cstring>
#include <exception>
#include <string>

#include "cuda_backend.cuh"
#include "cuda_plugin.hpp"

namespace {
void put(char* dst, size_t cap, const std::string& s) {
  if (dst == nullptr || cap == 0) return;
  std::strncpy(dst, s.c_str(), cap - 1);
  dst[cap - 1] = '\0';
}
}  // namespace

extern "C" {

__attribute__((visibility("default"))) int flock_cuda_abi(void) { return FLOCK_CUDA_PLUGIN_ABI; }

__attribute__((visibility("default"))) int flock_cuda_device_count(char* why, size_t cap) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    put(why, cap, std::string("no usable CUDA driver or device: ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
    return -1;
  }
  return n;
}

__attribute__((visibility("default"))) flk::Backend* flock_cuda_create_backend(flk::Model* model, int index, int bf16, char* why,
                                                                                size_t cap) {
  try {
    return flk::cuda::create_cuda_backend(*model, index, bf16 != 0);
  } catch (const std::exception& e) {
    put(why, cap, e.what());
  } catch (...) {
    put(why, cap, "unknown error");
  }
  return nullptr;
}

}  // extern "C"
