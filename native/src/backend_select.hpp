// Picks the compute backend for a device string: "cpu", "cuda", "cuda:N" or "auto".
// The CUDA backend lives in libflock_cuda.so, loaded with dlopen on first use, so
// builds and machines without CUDA load and run the CPU backend unchanged.
#pragma once
#include <memory>
#include <string>

#include "backend.hpp"

namespace flk {

struct BackendChoice {
  std::shared_ptr<Backend> backend;
  std::string device;  // "cpu" or "cuda:N"
  std::string note;    // why "auto" chose what it chose (empty otherwise)
};

// Backends are created once per model and device and reused across runs (device
// weights uploaded once). precision: "default" | "fp32" | "bf16".
BackendChoice select_backend(Model& model, const std::string& device, const std::string& precision);

// Number of CUDA devices usable through libflock_cuda.so, or -1 with `why` set.
int cuda_device_count(std::string* why);

}  // namespace flk
