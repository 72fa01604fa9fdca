// The C entry points libflock_cuda.so exports (native/lora_cuda/entry.cpp).
#pragma once
#include <cstddef>

namespace flk {
class Backend;
struct Model;
}  // namespace flk

extern "C" {
// ABI of the plugin; the core refuses a plugin built for another.
typedef int (*flock_cuda_abi_fn)(void);
// Number of devices, or -1 with an explanation in `why` (capacity `cap`).
typedef int (*flock_cuda_device_count_fn)(char* why, size_t cap);
// A new backend for `model` on device `index`; null with the reason in `why`.
// bf16: matrix products in BF16 on tensor cores (else FP32).
typedef flk::Backend* (*flock_cuda_create_fn)(flk::Model* model, int index, int bf16, char* why, size_t cap);
}

#define FLOCK_CUDA_PLUGIN_ABI 1
