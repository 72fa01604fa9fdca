#include "backend_select.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "cuda_plugin.hpp"
#include "error.hpp"

namespace flk {

namespace {

struct CudaPlugin {
  bool tried = false;
  std::string error;
  flock_cuda_device_count_fn device_count = nullptr;
  flock_cuda_create_fn create = nullptr;
};

// The folder of the binary this code is linked into (the addon or a test executable).
std::string own_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&own_dir), &info) == 0 || info.dli_fname == nullptr) return "";
  std::string p = info.dli_fname;
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? "" : p.substr(0, slash);
}

CudaPlugin& plugin() {
  static CudaPlugin p;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (p.tried) return p;
  p.tried = true;
  std::string tried;
  void* h = nullptr;
  const char* env = std::getenv("FLOCK_CUDA_LIBRARY");
  for (const std::string& candidate : {env != nullptr ? std::string(env) : std::string(), own_dir() + "/libflock_cuda.so", std::string("libflock_cuda.so")}) {
    if (candidate.empty() || candidate == "/libflock_cuda.so") continue;
    h = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h != nullptr) break;
    const char* e = dlerror();
    tried += (tried.empty() ? "" : "; ") + (e != nullptr ? std::string(e) : candidate + ": not loadable");
  }
  if (h == nullptr) {
    p.error = "the CUDA backend is not available (libflock_cuda.so not loaded: " + tried +
              "). Build it where nvcc is present: FLOCK_CMAKE_ARGS=\"-DFLOCK_CUDA=ON -DCMAKE_CUDA_COMPILER=/path/to/nvcc\" npm run build:native";
    return p;
  }
  auto abi = reinterpret_cast<flock_cuda_abi_fn>(dlsym(h, "flock_cuda_abi"));
  p.device_count = reinterpret_cast<flock_cuda_device_count_fn>(dlsym(h, "flock_cuda_device_count"));
  p.create = reinterpret_cast<flock_cuda_create_fn>(dlsym(h, "flock_cuda_create_backend"));
  if (abi == nullptr || p.device_count == nullptr || p.create == nullptr || abi() != FLOCK_CUDA_PLUGIN_ABI) {
    p.error = "libflock_cuda.so does not match this build (rebuild the addon)";
    p.device_count = nullptr;
    p.create = nullptr;
  }
  return p;
}

}  // namespace

int cuda_device_count(std::string* why) {
  CudaPlugin& p = plugin();
  if (p.device_count == nullptr) {
    if (why != nullptr) *why = p.error;
    return -1;
  }
  char buf[512] = {0};
  const int n = p.device_count(buf, sizeof(buf));
  if (n < 0 && why != nullptr) *why = buf;
  if (n == 0 && why != nullptr) *why = "no CUDA device is visible";
  return n;
}

BackendChoice select_backend(Model& model, const std::string& device, const std::string& precision) {
  if (precision != "default" && precision != "fp32" && precision != "bf16")
    fail(FLOCK_E_INVALID_ARGUMENT, "precision must be 'default', 'fp32' or 'bf16', got '" + precision + "'");
  std::string dev = device.empty() ? "cpu" : device;
  std::string note;
  if (dev == "auto") {
    std::string why;
    const int n = cuda_device_count(&why);
    if (n > 0) {
      dev = "cuda:0";
      note = "auto: CUDA device 0 of " + std::to_string(n);
    } else {
      dev = "cpu";
      note = "auto: CPU because " + why;
    }
  }
  if (dev == "cuda") dev = "cuda:0";
  int index = -1;
  if (dev != "cpu") {
    if (dev.rfind("cuda:", 0) != 0 || dev.size() == 5 || dev.find_first_not_of("0123456789", 5) != std::string::npos)
      fail(FLOCK_E_INVALID_ARGUMENT, "device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got '" + device + "'");
    index = std::atoi(dev.c_str() + 5);
  }
  const std::string key = dev + "/" + precision;
  std::lock_guard<std::mutex> lock(model.backends_mu);
  auto it = model.backends.find(key);
  if (it != model.backends.end()) return {it->second, dev, note};
  std::shared_ptr<Backend> b;
  if (index < 0) {
    if (precision == "bf16") fail(FLOCK_E_DEVICE, "the CPU backend computes in fp32 only; precision 'bf16' needs a CUDA device");
    b = make_cpu_backend(model);
  } else {
    std::string why;
    const int n = cuda_device_count(&why);
    if (n < 0) fail(FLOCK_E_DEVICE, why);
    if (index >= n) fail(FLOCK_E_DEVICE, "device " + dev + " does not exist (" + std::to_string(n) + " CUDA device(s) visible)");
    char buf[1024] = {0};
    Backend* raw = plugin().create(&model, index, precision == "fp32" ? 0 : 1, buf, sizeof(buf));
    if (raw == nullptr) fail(FLOCK_E_DEVICE, std::string("cannot start the CUDA backend on ") + dev + ": " + buf);
    b.reset(raw);
  }
  model.backends[key] = b;
  return {b, dev, note};
}

}  // namespace flk
