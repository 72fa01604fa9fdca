// N-API entry point: registers loadModel and the NativeModel class. The binding
// converts JS values, runs the C ABI on worker threads and turns status codes
// into JS errors; no model logic lives here.
#include "common.hpp"

namespace flock_addon {
Napi::Value load_model(const Napi::CallbackInfo& info, Napi::Function ctor);
}

namespace {

struct AddonData {
  Napi::FunctionReference model_ctor;
};

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  auto* data = info.Env().GetInstanceData<AddonData>();
  return flock_addon::load_model(info, data->model_ctor.Value());
}

// cudaDevices(): { count, reason } — count -1 when the CUDA backend cannot run here.
Napi::Value CudaDevices(const Napi::CallbackInfo& info) {
  char why[512] = {0};
  const int32_t n = flock_cuda_devices(why, sizeof(why));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("count", n);
  o.Set("reason", why);
  return o;
}

// cpuPeak(): the CPU's FP32 peak estimate (flock_cpu_peak_measure; about 0.1 s on this thread).
Napi::Value CpuPeak(const Napi::CallbackInfo& info) {
  flock_cpu_peak p{};
  flock_cpu_peak_measure(&p);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("isa", p.isa);
  o.Set("lanes", p.lanes);
  o.Set("fmaUnits", p.fma_units);
  o.Set("flopsPerCycle", p.flops_per_cycle);
  o.Set("ghz", p.ghz);
  o.Set("fmaGflopsPerCore", p.fma_gflops_per_core);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->model_ctor = Napi::Persistent(flock_addon::Model::Init(env));
  env.SetInstanceData(data);
  exports.Set("loadModel", Napi::Function::New(env, LoadModel));
  exports.Set("cudaDevices", Napi::Function::New(env, CudaDevices));
  exports.Set("cpuPeak", Napi::Function::New(env, CpuPeak));
  exports.Set("abiVersion", Napi::Number::New(env, flock_abi_version()));
  exports.Set("buildInfo", Napi::String::New(env, flock_build_info()));
  return exports;
}

}  // namespace

NODE_API_MODULE(flock_lora, Init)
