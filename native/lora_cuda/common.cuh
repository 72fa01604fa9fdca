// Error checks and device buffers for the CUDA backend.
#pragma once
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "error.hpp"

namespace flk::cuda {

[[noreturn]] inline void cuda_fail(cudaError_t e, const char* what) {
  const flock_status s = e == cudaErrorMemoryAllocation ? FLOCK_E_OUT_OF_MEMORY : FLOCK_E_DEVICE;
  fail(s, std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}
#define FLK_CUDA(call)                                  \
  do {                                                  \
    cudaError_t flk_e_ = (call);                        \
    if (flk_e_ != cudaSuccess) flk::cuda::cuda_fail(flk_e_, #call); \
  } while (0)
#define FLK_CUBLAS(call)                                                                              \
  do {                                                                                                \
    cublasStatus_t flk_s_ = (call);                                                                   \
    if (flk_s_ != CUBLAS_STATUS_SUCCESS)                                                              \
      flk::fail(flk_s_ == CUBLAS_STATUS_ALLOC_FAILED ? FLOCK_E_OUT_OF_MEMORY : FLOCK_E_DEVICE,        \
                std::string(#call) + ": cuBLAS status " + std::to_string(static_cast<int>(flk_s_))); \
  } while (0)

// Device memory owned by one object; freed on every exit path.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n) { resize(n); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) release(), p_ = o.p_, n_ = o.n_, o.p_ = nullptr, o.n_ = 0;
    return *this;
  }
  void resize(size_t n) {
    if (n == n_) return;
    release();
    if (n > 0) FLK_CUDA(cudaMalloc(reinterpret_cast<void**>(&p_), n * sizeof(T)));
    n_ = n;
  }
  void release() {
    if (p_ != nullptr) cudaFree(p_);
    p_ = nullptr;
    n_ = 0;
  }
  T* get() const { return p_; }
  size_t size() const { return n_; }
  size_t bytes() const { return n_ * sizeof(T); }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

}  // namespace flk::cuda
