// The NativeModel class: load, info, forward, dispose.
#include "common.hpp"

namespace flock_addon {

namespace {

Napi::Object info_to_js(Napi::Env env, const flock_model_info& i) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("architecture", i.architecture);
  o.Set("modelType", i.model_type);
  o.Set("weightDtype", i.weight_dtype);
  o.Set("vocabSize", i.vocab_size);
  o.Set("hiddenSize", i.hidden_size);
  o.Set("intermediateSize", i.intermediate_size);
  o.Set("numLayers", i.num_layers);
  o.Set("numHeads", i.num_heads);
  o.Set("numKvHeads", i.num_kv_heads);
  o.Set("headDim", i.head_dim);
  o.Set("maxPositionEmbeddings", i.max_position_embeddings);
  o.Set("slidingWindow", i.sliding_window);
  o.Set("tieWordEmbeddings", Napi::Boolean::New(env, i.tie_word_embeddings != 0));
  o.Set("attentionBias", Napi::Boolean::New(env, i.attention_bias != 0));
  o.Set("outputBias", Napi::Boolean::New(env, i.o_bias != 0));
  o.Set("mlpBias", Napi::Boolean::New(env, i.mlp_bias != 0));
  o.Set("rmsNormEps", i.rms_norm_eps);
  o.Set("ropeTheta", i.rope_theta);
  Napi::Object rope = Napi::Object::New(env);
  rope.Set("type", i.rope_type);
  rope.Set("factor", i.rope_factor);
  rope.Set("lowFreqFactor", i.rope_low_freq_factor);
  rope.Set("highFreqFactor", i.rope_high_freq_factor);
  rope.Set("originalMaxPositionEmbeddings", i.rope_original_max_position);
  o.Set("ropeScaling", rope);
  o.Set("numParameters", Napi::Number::New(env, static_cast<double>(i.num_parameters)));
  o.Set("weightBytes", Napi::Number::New(env, static_cast<double>(i.weight_bytes)));
  o.Set("numThreads", i.num_threads);
  return o;
}

class ForwardWorker : public PromiseWorker<Napi::AsyncWorker> {
 public:
  ForwardWorker(Napi::Env env, std::shared_ptr<ModelBox> box, PackedInput in, bool want_logits, int64_t vocab)
      : PromiseWorker(env), box_(std::move(box)), in_(std::move(in)) {
    const size_t n = in_.offsets.size() - 1;
    seq_sum_.resize(n);
    seq_n_.resize(n);
    if (want_logits) logits_.resize(in_.tokens.size() * static_cast<size_t>(vocab));
  }
  void Execute() override {
    const flock_batch b = in_.batch();
    flock_forward_output out{0, 0, seq_sum_.data(), seq_n_.data(), logits_.empty() ? nullptr : logits_.data()};
    check(flock_forward(box_->model, &b, &out, &err_));
    loss_sum_ = out.loss_sum;
    num_targets_ = out.num_targets;
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("lossSum", loss_sum_);
    r.Set("numTargets", Napi::Number::New(env, static_cast<double>(num_targets_)));
    auto sums = Napi::Float64Array::New(env, seq_sum_.size());
    auto counts = Napi::Float64Array::New(env, seq_n_.size());
    for (size_t i = 0; i < seq_sum_.size(); ++i) {
      sums[i] = seq_sum_[i];
      counts[i] = static_cast<double>(seq_n_[i]);
    }
    r.Set("seqLossSum", sums);
    r.Set("seqNumTargets", counts);
    if (!logits_.empty()) {
      auto l = Napi::Float32Array::New(env, logits_.size());
      std::copy(logits_.begin(), logits_.end(), l.Data());
      r.Set("logits", l);
    }
    deferred_.Resolve(r);
  }

 private:
  std::shared_ptr<ModelBox> box_;
  PackedInput in_;
  std::vector<double> seq_sum_;
  std::vector<int64_t> seq_n_;
  std::vector<float> logits_;
  double loss_sum_ = 0;
  int64_t num_targets_ = 0;
};

class LoadWorker : public PromiseWorker<Napi::AsyncWorker> {
 public:
  LoadWorker(Napi::Env env, std::string dir, std::string device, int threads, Napi::Function ctor)
      : PromiseWorker(env), dir_(std::move(dir)), device_(std::move(device)), threads_(threads), ctor_(Napi::Persistent(ctor)) {}
  void Execute() override {
    flock_load_options opts{device_.c_str(), threads_};
    check(flock_model_load(dir_.c_str(), &opts, &model_, &err_));
  }
  void OnOK() override {
    auto box = std::make_shared<ModelBox>();
    box->model = model_;
    Napi::Object obj = ctor_.New({});
    Model::Unwrap(obj)->attach(std::move(box));
    deferred_.Resolve(obj);
  }

 private:
  std::string dir_, device_;
  int threads_;
  flock_model* model_ = nullptr;
  Napi::FunctionReference ctor_;
};

}  // namespace

PackedInput read_packed(Napi::Env env, Napi::Value tokens, Napi::Value mask, Napi::Value offsets, const std::string& what) {
  if (!tokens.IsTypedArray() || tokens.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, what + ".tokens must be an Int32Array");
  if (!mask.IsTypedArray() || mask.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, what + ".lossMask must be a Uint8Array");
  auto t32 = tokens.As<Napi::Int32Array>();
  auto m8 = mask.As<Napi::Uint8Array>();
  if (t32.ElementLength() != m8.ElementLength())
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, what + ": tokens and lossMask must have the same length");
  PackedInput in;
  in.tokens.assign(t32.Data(), t32.Data() + t32.ElementLength());
  in.mask.assign(m8.Data(), m8.Data() + m8.ElementLength());
  if (!offsets.IsArray() && !offsets.IsTypedArray())
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, what + ".offsets must be an array of integers");
  auto arr = offsets.As<Napi::Object>();
  const uint32_t n = arr.Get("length").As<Napi::Number>().Uint32Value();
  in.offsets.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = arr.Get(i);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.0;
    if (d < 0 || d != static_cast<double>(static_cast<int64_t>(d)))
      throw make_error(env, FLOCK_E_INVALID_ARGUMENT, what + ".offsets[" + std::to_string(i) + "] is not a non-negative integer");
    in.offsets[i] = static_cast<int64_t>(d);
  }
  if (n < 2 || in.offsets.front() != 0 || in.offsets.back() != static_cast<int64_t>(in.tokens.size()))
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, what + ".offsets must start at 0 and end at tokens.length");
  return in;
}

Napi::Function Model::Init(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {InstanceMethod("info", &Model::Info), InstanceMethod("forward", &Model::Forward),
                      InstanceMethod("trainAndEvaluate", &Model::Train), InstanceMethod("dispose", &Model::Dispose),
                      InstanceAccessor("disposed", &Model::Disposed, nullptr)});
}

std::shared_ptr<ModelBox> Model::live(Napi::Env env) {
  if (!box_) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "the model has been disposed");
  return box_;
}

Napi::Value Model::Info(const Napi::CallbackInfo& info) {
  auto box = live(info.Env());
  flock_model_info mi{};
  flock_error err{};
  if (flock_model_get_info(box->model, &mi, &err) != FLOCK_OK) throw make_error(info.Env(), err.status, err.message);
  return info_to_js(info.Env(), mi);
}

// forward(tokens: Int32Array, lossMask: Uint8Array, seqOffsets: number[], wantLogits: boolean)
Napi::Value Model::Forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto box = live(env);
  if (info.Length() < 3) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "forward(tokens, lossMask, seqOffsets, wantLogits)");
  PackedInput in = read_packed(env, info[0], info[1], info[2], "batch");
  const bool want_logits = info.Length() > 3 && info[3].ToBoolean().Value();
  flock_model_info mi{};
  flock_error err{};
  flock_model_get_info(box->model, &mi, &err);
  auto* w = new ForwardWorker(env, box, std::move(in), want_logits, mi.vocab_size);
  auto p = w->promise();
  w->Queue();
  return p;
}

Napi::Value Model::Train(const Napi::CallbackInfo& info) { return train_and_evaluate(info, live(info.Env())); }

Napi::Value Model::Dispose(const Napi::CallbackInfo& info) {
  box_.reset();
  return info.Env().Undefined();
}

Napi::Value Model::Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !box_); }

// loadModel(dir: string, device: string, numThreads: number): Promise<NativeModel>
Napi::Value load_model(const Napi::CallbackInfo& info, Napi::Function ctor) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsNumber())
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "loadModel(dir: string, device: string, numThreads: number)");
  auto* w = new LoadWorker(env, info[0].As<Napi::String>(), info[1].As<Napi::String>(), info[2].As<Napi::Number>().Int32Value(), ctor);
  auto p = w->promise();
  w->Queue();
  return p;
}

}  // namespace flock_addon
