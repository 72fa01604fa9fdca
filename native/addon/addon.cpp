// N-API binding: converts JS values, runs the C ABI on worker threads, turns
// status codes into JS errors. No model logic lives here.
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "flock_lora.h"

namespace {

// Owns a model; shared by the JS handle and every in-flight worker, so
// dispose() during a run frees the model only when the run has finished.
struct ModelBox {
  flock_model* model = nullptr;
  ~ModelBox() { flock_model_free(model); }
};

Napi::Error make_error(Napi::Env env, flock_status status, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, flock_status_name(status)));
  e.Set("status", Napi::Number::New(env, status));
  return e;
}

class FlockWorker : public Napi::AsyncWorker {
 public:
  explicit FlockWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void check(flock_status s) {
    if (s != FLOCK_OK) {
      status_ = s;
      SetError(err_.message);
    }
  }
  void OnError(const Napi::Error&) override {
    deferred_.Reject(make_error(Env(), status_, err_.message).Value());
  }
  flock_error err_{};
  flock_status status_ = FLOCK_OK;
  Napi::Promise::Deferred deferred_;
};

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

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NativeModel",
                       {InstanceMethod("info", &Model::Info), InstanceMethod("forward", &Model::Forward),
                        InstanceMethod("dispose", &Model::Dispose), InstanceAccessor("disposed", &Model::Disposed, nullptr)});
  }
  explicit Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {}
  void attach(std::shared_ptr<ModelBox> box) { box_ = std::move(box); }

 private:
  std::shared_ptr<ModelBox> live(Napi::Env env) {
    if (!box_) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "the model has been disposed");
    return box_;
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    auto box = live(info.Env());
    flock_model_info mi{};
    flock_error err{};
    if (flock_model_get_info(box->model, &mi, &err) != FLOCK_OK) throw make_error(info.Env(), err.status, err.message);
    return info_to_js(info.Env(), mi);
  }

  Napi::Value Forward(const Napi::CallbackInfo& info);

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    box_.reset();
    return info.Env().Undefined();
  }
  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !box_); }

  std::shared_ptr<ModelBox> box_;
};


class LoadWorker : public FlockWorker {
 public:
  LoadWorker(Napi::Env env, std::string dir, std::string device, int threads, Napi::Function ctor)
      : FlockWorker(env), dir_(std::move(dir)), device_(std::move(device)), threads_(threads), ctor_(Napi::Persistent(ctor)) {}
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

class ForwardWorker : public FlockWorker {
 public:
  ForwardWorker(Napi::Env env, std::shared_ptr<ModelBox> box, std::vector<int32_t> tokens, std::vector<uint8_t> mask,
                std::vector<int64_t> offsets, bool want_logits, int64_t vocab)
      : FlockWorker(env), box_(std::move(box)), tokens_(std::move(tokens)), mask_(std::move(mask)), offsets_(std::move(offsets)) {
    const int64_t n = static_cast<int64_t>(offsets_.size()) - 1;
    seq_sum_.resize(n > 0 ? n : 0);
    seq_n_.resize(n > 0 ? n : 0);
    if (want_logits) logits_.resize(tokens_.size() * static_cast<size_t>(vocab));
  }
  void Execute() override {
    flock_batch b{tokens_.data(), mask_.data(), offsets_.data(), static_cast<int64_t>(offsets_.size()) - 1};
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
  std::vector<int32_t> tokens_;
  std::vector<uint8_t> mask_;
  std::vector<int64_t> offsets_;
  std::vector<double> seq_sum_;
  std::vector<int64_t> seq_n_;
  std::vector<float> logits_;
  double loss_sum_ = 0;
  int64_t num_targets_ = 0;
};

// forward(tokens: Int32Array, lossMask: Uint8Array, seqOffsets: number[] | Int32Array | Float64Array, wantLogits: boolean)
Napi::Value Model::Forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto box = live(env);
  if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsTypedArray())
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "forward(tokens: Int32Array, lossMask: Uint8Array, seqOffsets, wantLogits)");
  auto tok = info[0].As<Napi::TypedArray>();
  auto msk = info[1].As<Napi::TypedArray>();
  if (tok.TypedArrayType() != napi_int32_array) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "tokens must be an Int32Array");
  if (msk.TypedArrayType() != napi_uint8_array) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "lossMask must be a Uint8Array");
  if (tok.ElementLength() != msk.ElementLength())
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "tokens and lossMask must have the same length");
  auto t32 = tok.As<Napi::Int32Array>();
  auto m8 = msk.As<Napi::Uint8Array>();
  std::vector<int32_t> tokens(t32.Data(), t32.Data() + t32.ElementLength());
  std::vector<uint8_t> mask(m8.Data(), m8.Data() + m8.ElementLength());
  if (!info[2].IsArray() && !info[2].IsTypedArray())
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "seqOffsets must be an array of integers");
  auto arr = info[2].As<Napi::Object>();
  const uint32_t n = arr.Get("length").As<Napi::Number>().Uint32Value();
  std::vector<int64_t> offsets(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = arr.Get(i);
    if (!v.IsNumber()) throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "seqOffsets[" + std::to_string(i) + "] is not a number");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d)))
      throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "seqOffsets[" + std::to_string(i) + "] is not an integer");
    offsets[i] = static_cast<int64_t>(d);
  }
  if (n < 2 || offsets.back() != static_cast<int64_t>(tokens.size()))
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "seqOffsets must start at 0 and end at tokens.length");
  const bool want_logits = info.Length() > 3 && info[3].ToBoolean().Value();
  flock_model_info mi{};
  flock_error err{};
  flock_model_get_info(box->model, &mi, &err);
  auto* w = new ForwardWorker(env, box, std::move(tokens), std::move(mask), std::move(offsets), want_logits, mi.vocab_size);
  auto p = w->promise();
  w->Queue();
  return p;
}

struct AddonData {
  Napi::FunctionReference model_ctor;
};

// loadModel(dir: string, device: string, numThreads: number): Promise<NativeModel>
Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsNumber())
    throw make_error(env, FLOCK_E_INVALID_ARGUMENT, "loadModel(dir: string, device: string, numThreads: number)");
  auto* data = env.GetInstanceData<AddonData>();
  auto* w = new LoadWorker(env, info[0].As<Napi::String>(), info[1].As<Napi::String>(),
                           info[2].As<Napi::Number>().Int32Value(), data->model_ctor.Value());
  auto p = w->promise();
  w->Queue();
  return p;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  Napi::Function ctor = Model::Init(env);
  data->model_ctor = Napi::Persistent(ctor);
  env.SetInstanceData(data);
  exports.Set("loadModel", Napi::Function::New(env, LoadModel));
  exports.Set("abiVersion", Napi::Number::New(env, flock_abi_version()));
  exports.Set("buildInfo", Napi::String::New(env, flock_build_info()));
  return exports;
}

}  // namespace

NODE_API_MODULE(flock_lora, Init)
