// trainAndEvaluate(request, onProgress?) on a NativeModel: runs on a worker thread,
// queues progress to the JS thread, and reads the cancel flag JS writes with Atomics.
#include <algorithm>
#include <cmath>
#include <string>

#include "common.hpp"

namespace flock_addon {

namespace {

double number_field(Napi::Env env, Napi::Object o, const char* key, const std::string& where) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, where + "." + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t int_field(Napi::Env env, Napi::Object o, const char* key, const std::string& where) {
  const double d = number_field(env, o, key, where);
  if (d != std::floor(d) || std::fabs(d) > 9007199254740991.0)
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, where + "." + key + " must be an integer");
  return static_cast<int64_t>(d);
}

bool bool_field(Napi::Object o, const char* key) { return o.Get(key).ToBoolean().Value(); }

std::string optional_string(Napi::Env env, Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return "";
  if (!v.IsString()) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, std::string(key) + " must be a string");
  return v.As<Napi::String>();
}

Napi::Object eval_to_js(Napi::Env env, const flock_eval_loss& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("tokenMean", e.token_mean);
  o.Set("exampleMean", e.example_mean);
  o.Set("targets", Napi::Number::New(env, static_cast<double>(e.targets)));
  o.Set("examples", Napi::Number::New(env, static_cast<double>(e.examples)));
  o.Set("skippedExamples", Napi::Number::New(env, static_cast<double>(e.skipped_examples)));
  o.Set("tokens", Napi::Number::New(env, static_cast<double>(e.tokens)));
  return o;
}

Napi::Float64Array doubles(Napi::Env env, const double* p, int64_t n) {
  auto a = Napi::Float64Array::New(env, static_cast<size_t>(n));
  std::copy(p, p + n, a.Data());
  return a;
}

using ProgressBase = Napi::AsyncProgressQueueWorker<flock_progress>;

class TrainWorker : public PromiseWorker<ProgressBase> {
 public:
  TrainWorker(Napi::Env env, std::shared_ptr<ModelBox> box) : PromiseWorker(env), box_(std::move(box)) {}
  ~TrainWorker() override { flock_train_result_free(&result_); }

  void configure(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "trainAndEvaluate(request, onProgress?)");
    Napi::Object rq = info[0].As<Napi::Object>();
    for (const char* k : {"train", "eval", "lora", "config"})
      if (!rq.Get(k).IsObject()) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, std::string("request.") + k + " must be an object");
    Napi::Object tr = rq.Get("train").As<Napi::Object>(), ev = rq.Get("eval").As<Napi::Object>();
    train_ = read_packed(env, tr.Get("tokens"), tr.Get("lossMask"), tr.Get("offsets"), "train");
    eval_ = read_packed(env, ev.Get("tokens"), ev.Get("lossMask"), ev.Get("offsets"), "eval");
    Napi::Object l = rq.Get("lora").As<Napi::Object>();
    req_.lora = flock_lora_config{static_cast<uint32_t>(int_field(env, l, "targets", "lora")),
                                  static_cast<int32_t>(int_field(env, l, "rank", "lora")),
                                  number_field(env, l, "alpha", "lora"),
                                  bool_field(l, "rslora") ? 1 : 0,
                                  number_field(env, l, "dropout", "lora"),
                                  bool_field(l, "gaussianInit") ? 1 : 0};
    Napi::Object c = rq.Get("config").As<Napi::Object>();
    flock_train_config& tc = req_.config;
    tc.lr = number_field(env, c, "lr", "config");
    tc.schedule = static_cast<int32_t>(int_field(env, c, "schedule", "config"));
    tc.warmup_steps = int_field(env, c, "warmupSteps", "config");
    tc.warmup_ratio = number_field(env, c, "warmupRatio", "config");
    tc.epochs = static_cast<int32_t>(int_field(env, c, "epochs", "config"));
    tc.max_steps = int_field(env, c, "maxSteps", "config");
    tc.micro_batch_size = static_cast<int32_t>(int_field(env, c, "microBatchSize", "config"));
    tc.grad_accum = static_cast<int32_t>(int_field(env, c, "gradAccum", "config"));
    tc.max_grad_norm = number_field(env, c, "maxGradNorm", "config");
    tc.beta1 = number_field(env, c, "beta1", "config");
    tc.beta2 = number_field(env, c, "beta2", "config");
    tc.eps = number_field(env, c, "eps", "config");
    tc.weight_decay = number_field(env, c, "weightDecay", "config");
    Napi::Value seed = c.Get("seed");
    if (!seed.IsBigInt()) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "config.seed must be a bigint");
    bool lossless = false;
    tc.seed = seed.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "config.seed must fit in 64 unsigned bits");
    tc.shuffle = bool_field(c, "shuffle") ? 1 : 0;
    tc.eval_batch_tokens = int_field(env, c, "evalBatchTokens", "config");
    tc.eval_before = bool_field(c, "evalBefore") ? 1 : 0;
    device_ = optional_string(env, rq, "device");
    precision_ = optional_string(env, rq, "precision");
    init_dir_ = optional_string(env, rq, "initAdapterDir");
    save_dir_ = optional_string(env, rq, "saveAdapterDir");
    base_name_ = optional_string(env, rq, "baseModelName");
    Napi::Value cancel = rq.Get("cancel");
    if (!cancel.IsTypedArray() || cancel.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        cancel.As<Napi::Int32Array>().ElementLength() < 1)
      throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "request.cancel must be an Int32Array of length >= 1");
    cancel_ref_ = Napi::Persistent(cancel.As<Napi::Object>());  // keeps the flag's memory alive during the run
    cancel_ptr_ = cancel.As<Napi::Int32Array>().Data();
    if (info.Length() > 1 && info[1].IsFunction()) on_progress_ = Napi::Persistent(info[1].As<Napi::Function>());
  }

  void Execute(const ExecutionProgress& progress) override {
    req_.train = train_.batch();
    req_.eval = eval_.batch();
    req_.init_adapter_dir = init_dir_.empty() ? nullptr : init_dir_.c_str();
    req_.save_adapter_dir = save_dir_.empty() ? nullptr : save_dir_.c_str();
    req_.base_model_name = base_name_.empty() ? nullptr : base_name_.c_str();
    req_.cancel_flag = cancel_ptr_;
    req_.device = device_.empty() ? nullptr : device_.c_str();
    req_.precision = precision_.empty() ? nullptr : precision_.c_str();
    req_.progress = [](void* user, const flock_progress* p) { static_cast<const ExecutionProgress*>(user)->Send(p, 1); };
    req_.progress_user = const_cast<ExecutionProgress*>(&progress);
    check(flock_train_and_evaluate(box_->model, &req_, &result_, &err_));
  }

  void OnProgress(const flock_progress* data, size_t count) override {
    if (on_progress_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (size_t i = 0; i < count; ++i) {
      const flock_progress& p = data[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("phase", p.phase);
      o.Set("step", Napi::Number::New(env, static_cast<double>(p.step)));
      o.Set("totalSteps", Napi::Number::New(env, static_cast<double>(p.total_steps)));
      o.Set("epoch", p.epoch);
      o.Set("loss", p.loss);
      o.Set("lr", p.lr);
      o.Set("gradNorm", p.grad_norm);
      o.Set("tokensPerSecond", p.tokens_per_s);
      o.Set("elapsedSeconds", p.elapsed_s);
      o.Set("tokensSeen", Napi::Number::New(env, static_cast<double>(p.tokens_seen)));
      o.Set("evalDone", Napi::Number::New(env, static_cast<double>(p.eval_done)));
      o.Set("evalTotal", Napi::Number::New(env, static_cast<double>(p.eval_total)));
      try {
        on_progress_.Call({o});
      } catch (const Napi::Error& e) {
        // A throwing progress callback cancels the run; the error is reported as its cause.
        __atomic_store_n(cancel_ptr_, 1, __ATOMIC_RELAXED);
        if (callback_error_.empty()) callback_error_ = e.Message();
      }
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("eval", eval_to_js(env, result_.eval));
    if (result_.has_eval_before) r.Set("evalBefore", eval_to_js(env, result_.eval_before));
    r.Set("steps", Napi::Number::New(env, static_cast<double>(result_.steps)));
    r.Set("epochsStarted", result_.epochs_started);
    r.Set("trainTokens", Napi::Number::New(env, static_cast<double>(result_.train_tokens)));
    r.Set("trainTargets", Napi::Number::New(env, static_cast<double>(result_.train_targets)));
    r.Set("trainSeconds", result_.train_seconds);
    r.Set("evalSeconds", result_.eval_seconds);
    r.Set("tokensPerSecond", result_.tokens_per_s);
    r.Set("peakRssBytes", Napi::Number::New(env, static_cast<double>(result_.peak_rss_bytes)));
    r.Set("peakWorkspaceBytes", Napi::Number::New(env, static_cast<double>(result_.peak_workspace_bytes)));
    r.Set("loraParameters", Napi::Number::New(env, static_cast<double>(result_.lora_params)));
    r.Set("backend", result_.backend);
    r.Set("device", result_.device);
    r.Set("deviceNote", result_.device_note);
    r.Set("stepLoss", doubles(env, result_.step_loss, result_.steps));
    r.Set("stepLr", doubles(env, result_.step_lr, result_.steps));
    r.Set("stepGradNorm", doubles(env, result_.step_grad_norm, result_.steps));
    deferred_.Resolve(r);
  }

  void OnError(const Napi::Error& e) override {
    if (!callback_error_.empty() && status_ == FLOCK_E_CANCELLED) {
      Napi::Error err = make_error(Env(), FLOCK_E_CANCELLED, "the progress callback threw: " + callback_error_);
      deferred_.Reject(err.Value());
      return;
    }
    PromiseWorker::OnError(e);
  }

 private:
  std::shared_ptr<ModelBox> box_;
  PackedInput train_, eval_;
  flock_train_request req_{};
  flock_train_result result_{};
  std::string init_dir_, save_dir_, base_name_, callback_error_, device_, precision_;
  Napi::ObjectReference cancel_ref_;
  int32_t* cancel_ptr_ = nullptr;
  Napi::FunctionReference on_progress_;
};

}  // namespace

Napi::Value train_and_evaluate(const Napi::CallbackInfo& info, std::shared_ptr<ModelBox> box) {
  auto* w = new TrainWorker(info.Env(), std::move(box));
  try {
    w->configure(info);
  } catch (...) {
    delete w;
    throw;
  }
  auto p = w->promise();
  w->Queue();
  return p;
}

}  // namespace flock_addon
