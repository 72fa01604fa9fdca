// Shared pieces of the N-API binding: the model handle, typed errors, the worker base.
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "flock_lora.h"

namespace flock_addon {

// Owns a model; shared by the JS handle and every in-flight worker, so
// dispose() during a run frees the model only when the run has finished.
struct ModelBox {
  flock_model* model = nullptr;
  ~ModelBox() { flock_model_free(model); }
};

inline Napi::Error make_error(Napi::Env env, flock_status status, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, flock_status_name(status)));
  e.Set("status", Napi::Number::New(env, status));
  return e;
}

// Resolves or rejects a promise; failures carry the core's status as `code`.
template <typename Base>
class PromiseWorker : public Base {
 public:
  explicit PromiseWorker(Napi::Env env) : Base(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void check(flock_status s) {
    if (s != FLOCK_OK) {
      status_ = s;
      this->SetError(err_.message);
    }
  }
  void OnError(const Napi::Error&) override { deferred_.Reject(make_error(this->Env(), status_, err_.message).Value()); }
  flock_error err_{};
  flock_status status_ = FLOCK_OK;
  Napi::Promise::Deferred deferred_;
};

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {}
  void attach(std::shared_ptr<ModelBox> box) { box_ = std::move(box); }
  std::shared_ptr<ModelBox> live(Napi::Env env);

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Forward(const Napi::CallbackInfo& info);
  Napi::Value Train(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);

  std::shared_ptr<ModelBox> box_;
};

// Packed sequences read from { tokens: Int32Array, lossMask: Uint8Array, offsets: number[] }.
struct PackedInput {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> mask;
  std::vector<int64_t> offsets;
  flock_batch batch() const {
    return flock_batch{tokens.data(), mask.data(), offsets.data(), static_cast<int64_t>(offsets.size()) - 1};
  }
};
PackedInput read_packed(Napi::Env env, Napi::Value tokens, Napi::Value mask, Napi::Value offsets, const std::string& what);

Napi::Value train_and_evaluate(const Napi::CallbackInfo& info, std::shared_ptr<ModelBox> box);

}  // namespace flock_addon
