// The CUDA backend: the CPU backend's forward and backward, layer by layer, on the
// GPU. Frozen matrices multiply in bf16 on tensor cores (fp32 accumulation) or in
// fp32; activations, LoRA parameters and optimizer state stay in fp32.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "attention.cuh"
#include "backend.hpp"
#include "common.cuh"
#include "cuda_backend.cuh"
#include "device_weights.cuh"
#include "gemm.cuh"
#include "kernels.cuh"
#include "rng.hpp"
#include "rope_table.hpp"

namespace flk::cuda {

namespace {

template <typename T>
DeviceBuffer<T> upload(const std::vector<T>& v, cudaStream_t s) {
  DeviceBuffer<T> d(v.size());
  if (!v.empty()) FLK_CUDA(cudaMemcpyAsync(d.get(), v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice, s));
  return d;
}

struct LayerActs {
  DeviceBuffer<float> x_in, r1, h1, q, k, v, lse, att, x_mid, r2, h2, g, u;
  std::array<DeviceBuffer<float>, kNumTargets> lu;
};

// The run's adapter on the device: parameters, gradients and AdamW moments.
struct DeviceLora {
  const LoraState* host = nullptr;
  DeviceBuffer<float> params, grads, m, v;
};

class CudaBackend final : public Backend {
 public:
  CudaBackend(Model& m, int index, bool bf16) : m_(m), index_(index), bf16_(bf16) {
    FLK_CUDA(cudaSetDevice(index_));
    cudaDeviceProp prop{};
    FLK_CUDA(cudaGetDeviceProperties(&prop, index_));
    name_ = std::string("cuda:") + std::to_string(index_) + " (" + prop.name + ")";
    FLK_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    FLK_CUBLAS(cublasCreate(&blas_));
    FLK_CUBLAS(cublasSetStream(blas_, stream_));
    FLK_CUBLAS(cublasSetMathMode(blas_, CUBLAS_PEDANTIC_MATH));  // no TF32 behind our back
    upload_weights(m_, bf16_, stream_, &w_);
  }
  ~CudaBackend() override {
    cudaSetDevice(index_);
    w_ = DeviceWeights();
    lora_ = DeviceLora();
    if (blas_ != nullptr) cublasDestroy(blas_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }

  std::string name() const override { return name_; }

  void attach(LoraState& lora) override {
    FLK_CUDA(cudaSetDevice(index_));
    lora_.host = &lora;
    lora_.params = upload(lora.params, stream_);
    lora_.grads = upload(lora.grads, stream_);
    lora_.m = upload(lora.adam_m, stream_);
    lora_.v = upload(lora.adam_v, stream_);
    sync();
  }
  void detach(LoraState& lora) override {
    FLK_CUDA(cudaSetDevice(index_));
    if (lora_.host == &lora && lora_.params.size() == lora.params.size() && !lora.params.empty())
      FLK_CUDA(cudaMemcpyAsync(lora.params.data(), lora_.params.get(), lora.params.size() * 4, cudaMemcpyDeviceToHost, stream_));
    sync();
    lora_ = DeviceLora();  // device memory back to where it was before the run
  }

  void train_micro_batch(const Batch& b, LoraState& lora, float grad_scale, uint64_t seed, std::vector<float>& loss,
                         const CancelCheck& cancel) override {
    run(b, &lora, true, grad_scale, seed, loss, cancel);
  }
  void eval_batch(const Batch& b, const LoraState* lora, std::vector<float>& loss, const CancelCheck& cancel) override {
    run(b, lora, false, 0.0f, 0, loss, cancel);
  }
  double grad_sq_norm(const LoraState& lora) override {
    FLK_CUDA(cudaSetDevice(index_));
    return sum_of_squares(lora_.grads.get(), lora.num_params(), stream_);
  }
  void optimizer_step(LoraState& lora, const AdamWConfig& c, double lr, int64_t step, float coef) override {
    FLK_CUDA(cudaSetDevice(index_));
    const double bc1 = 1.0 - std::pow(c.beta1, static_cast<double>(step));
    const double bc2_sqrt = std::sqrt(1.0 - std::pow(c.beta2, static_cast<double>(step)));
    adamw(lora_.params.get(), lora_.grads.get(), lora_.m.get(), lora_.v.get(), lora.num_params(), static_cast<float>(c.beta1),
          static_cast<float>(c.beta2), static_cast<float>(c.eps), static_cast<float>(1.0 - lr * c.weight_decay),
          static_cast<float>(lr / bc1), static_cast<float>(bc2_sqrt), coef, stream_);
  }
  void zero_grads(LoraState& lora) override {
    FLK_CUDA(cudaSetDevice(index_));
    FLK_CUDA(cudaMemsetAsync(lora_.grads.get(), 0, lora_.grads.bytes(), stream_));
  }
  int64_t peak_workspace_bytes() const override { return peak_bytes_; }

 private:
  void sync() { FLK_CUDA(cudaStreamSynchronize(stream_)); }

  Operand activation(const float* x, int64_t rows, int64_t cols, DeviceBuffer<__nv_bfloat16>& scratch) {
    if (!bf16_) return Operand{x, CUDA_R_32F, cols, false};
    scratch.resize(static_cast<size_t>(rows * cols));
    to_bf16(x, scratch.get(), rows * cols, stream_);
    return Operand{scratch.get(), CUDA_R_16BF, cols, false};
  }
  static Operand weight(const DeviceMatrix& w, bool trans) { return Operand{w.ptr(), w.type, w.cols, trans}; }
  static Operand f32(const float* p, int64_t ld, bool trans) { return Operand{p, CUDA_R_32F, ld, trans}; }

  struct View {
    const float *A, *B;
    float *gA, *gB;
    int64_t r;
    float scale, dropout;
    uint64_t key;
  };
  View view(const LoraState& lora, int layer, int target, bool train, uint64_t seed) const {
    const LoraModule& mod = lora.module(layer, target);
    const LoraConfig& c = lora.config();
    return View{lora_.params.get() + mod.a_offset, lora_.params.get() + mod.b_offset, lora_.grads.get() + mod.a_offset,
                lora_.grads.get() + mod.b_offset, c.rank, static_cast<float>(c.scale()), train ? static_cast<float>(c.dropout) : 0.0f,
                derive_key(seed, 0x44726f70 /* "Drop" */, layer, target)};
  }

  // y = x Wᵀ + b (+ s · drop(x) Aᵀ Bᵀ)
  void adapted_linear(const DeviceLinear& L, const float* x, int64_t T, float* y, const LoraState* lora, int layer, int target, bool train,
                      uint64_t seed, DeviceBuffer<float>& lu) {
    const int64_t in = L.w.cols, out = L.w.rows;
    gemm(blas_, T, out, in, activation(x, T, in, bf16_x_), weight(L.w, true), y, out, 1.0f, 0.0f);
    if (L.bias.size() > 0) add_bias(y, L.bias.get(), T, out, stream_);
    if (lora == nullptr || !lora->module(layer, target).active) return;
    const View lv = view(*lora, layer, target, train, seed);
    const float* xd = x;
    if (lv.dropout > 0) {
      drop_.resize(static_cast<size_t>(T * in));
      dropout(x, drop_.get(), T * in, lv.dropout, lv.key, stream_);
      xd = drop_.get();
    }
    lu.resize(static_cast<size_t>(T * lv.r));
    gemm(blas_, T, lv.r, in, f32(xd, in, false), f32(lv.A, in, true), lu.get(), lv.r, 1.0f, 0.0f);
    tmp_.resize(static_cast<size_t>(T * out));
    gemm(blas_, T, out, lv.r, f32(lu.get(), lv.r, false), f32(lv.B, lv.r, true), tmp_.get(), out, 1.0f, 0.0f);
    axpy(lv.scale, tmp_.get(), y, T * out, stream_);
  }

  void adapted_linear_backward(const DeviceLinear& L, const float* dy, const float* x, int64_t T, float* dx, bool accumulate, const LoraState* lora,
                               int layer, int target, uint64_t seed, const DeviceBuffer<float>& lu) {
    const int64_t in = L.w.cols, out = L.w.rows;
    if (dx != nullptr) gemm(blas_, T, in, out, activation(dy, T, out, bf16_x_), weight(L.w, false), dx, in, 1.0f, accumulate ? 1.0f : 0.0f);
    if (lora == nullptr || !lora->module(layer, target).active) return;
    const View lv = view(*lora, layer, target, true, seed);
    tmp_.resize(static_cast<size_t>(T * out));
    scale(dy, lv.scale, tmp_.get(), T * out, stream_);  // dz = s · dy
    gemm(blas_, out, lv.r, T, f32(tmp_.get(), out, true), f32(lu.get(), lv.r, false), lv.gB, lv.r, 1.0f, 1.0f);  // gB += dzᵀ u
    du_.resize(static_cast<size_t>(T * lv.r));
    gemm(blas_, T, lv.r, out, f32(tmp_.get(), out, false), f32(lv.B, lv.r, false), du_.get(), lv.r, 1.0f, 0.0f);  // du = dz B
    const float* xd = x;
    if (lv.dropout > 0) {
      drop_.resize(static_cast<size_t>(T * in));
      dropout(x, drop_.get(), T * in, lv.dropout, lv.key, stream_);
      xd = drop_.get();
    }
    gemm(blas_, lv.r, in, T, f32(du_.get(), lv.r, true), f32(xd, in, false), lv.gA, in, 1.0f, 1.0f);  // gA += duᵀ drop(x)
    if (dx == nullptr) return;
    if (lv.dropout > 0) {
      dxd_.resize(static_cast<size_t>(T * in));
      gemm(blas_, T, in, lv.r, f32(du_.get(), lv.r, false), f32(lv.A, in, false), dxd_.get(), in, 1.0f, 0.0f);
      dropout_backward_add(dxd_.get(), dx, T * in, lv.dropout, lv.key, stream_);
    } else {
      gemm(blas_, T, in, lv.r, f32(du_.get(), lv.r, false), f32(lv.A, in, false), dx, in, 1.0f, 1.0f);
    }
  }

  void run(const Batch& b, const LoraState* lora, bool train, float grad_scale, uint64_t seed, std::vector<float>& loss,
           const CancelCheck& cancel);

  Model& m_;
  int index_;
  bool bf16_;
  std::string name_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  DeviceWeights w_;
  DeviceLora lora_;
  DeviceBuffer<__nv_bfloat16> bf16_x_;
  DeviceBuffer<float> tmp_, drop_, du_, dxd_;
  int64_t peak_bytes_ = 0;
};

void CudaBackend::run(const Batch& b, const LoraState* lora, bool train, float grad_scale, uint64_t seed, std::vector<float>& loss,
                      const CancelCheck& cancel) {
  FLK_CUDA(cudaSetDevice(index_));
  const ModelConfig& c = m_.config;
  const int64_t T = b.T, H = c.hidden_size, I = c.intermediate_size, Q = c.q_dim(), KV = c.kv_dim();
  RopeTableOwner rope_table(m_.inv_freq, b.max_len);
  DeviceBuffer<float> cosd = upload(rope_table.cos, stream_), sind = upload(rope_table.sin, stream_);
  DeviceBuffer<int32_t> tokens = upload(std::vector<int32_t>(b.tokens, b.tokens + T), stream_);
  DeviceBuffer<int32_t> pos = upload(b.positions, stream_);
  AttentionGeometry geo{T, c.num_heads, c.num_kv_heads, c.head_dim, 0, b.offsets};
  std::vector<LayerActs> acts(train ? c.num_layers : 1);
  DeviceBuffer<float> x(T * H), tmp(T * H), mI(T * I);
  size_t free0 = 0, total = 0;
  FLK_CUDA(cudaMemGetInfo(&free0, &total));
  auto sized = [&](DeviceBuffer<float>& v, int64_t n) { v.resize(static_cast<size_t>(n)); };

  embedding(w_.embed.ptr(), w_.bf16, tokens.get(), T, H, x.get(), stream_);
  for (int l = 0; l < c.num_layers; ++l) {
    cancel();
    LayerActs& A = acts[train ? l : 0];
    const DeviceLayer& w = w_.layers[l];
    geo.window = c.layer_sliding[l] ? c.sliding_window : 0;
    if (train) {
      sized(A.x_in, T * H);
      FLK_CUDA(cudaMemcpyAsync(A.x_in.get(), x.get(), T * H * 4, cudaMemcpyDeviceToDevice, stream_));
    }
    for (auto* v : {&A.h1, &A.x_mid, &A.h2}) sized(*v, T * H);
    for (auto* v : {&A.r1, &A.r2}) sized(*v, T);
    for (auto* v : {&A.q, &A.att}) sized(*v, T * Q);
    for (auto* v : {&A.k, &A.v}) sized(*v, T * KV);
    for (auto* v : {&A.g, &A.u}) sized(*v, T * I);
    sized(A.lse, T * c.num_heads);
    rmsnorm_forward(x.get(), w.input_norm.get(), T, H, static_cast<float>(c.rms_norm_eps), A.h1.get(), A.r1.get(), stream_);
    adapted_linear(w.q, A.h1.get(), T, A.q.get(), lora, l, kQ, train, seed, A.lu[kQ]);
    adapted_linear(w.k, A.h1.get(), T, A.k.get(), lora, l, kK, train, seed, A.lu[kK]);
    adapted_linear(w.v, A.h1.get(), T, A.v.get(), lora, l, kV, train, seed, A.lu[kV]);
    rope(A.q.get(), pos.get(), T, c.num_heads, c.head_dim, cosd.get(), sind.get(), false, stream_);
    rope(A.k.get(), pos.get(), T, c.num_kv_heads, c.head_dim, cosd.get(), sind.get(), false, stream_);
    attention_forward(blas_, stream_, geo, A.q.get(), A.k.get(), A.v.get(), A.att.get(), A.lse.get());
    adapted_linear(w.o, A.att.get(), T, tmp.get(), lora, l, kO, train, seed, A.lu[kO]);
    add_inplace(x.get(), tmp.get(), T * H, stream_);
    FLK_CUDA(cudaMemcpyAsync(A.x_mid.get(), x.get(), T * H * 4, cudaMemcpyDeviceToDevice, stream_));
    rmsnorm_forward(x.get(), w.post_norm.get(), T, H, static_cast<float>(c.rms_norm_eps), A.h2.get(), A.r2.get(), stream_);
    adapted_linear(w.gate, A.h2.get(), T, A.g.get(), lora, l, kGate, train, seed, A.lu[kGate]);
    adapted_linear(w.up, A.h2.get(), T, A.u.get(), lora, l, kUp, train, seed, A.lu[kUp]);
    swiglu_forward(A.g.get(), A.u.get(), T * I, mI.get(), stream_);
    adapted_linear(w.down, mI.get(), T, tmp.get(), lora, l, kDown, train, seed, A.lu[kDown]);
    add_inplace(x.get(), tmp.get(), T * H, stream_);
  }
  DeviceBuffer<float> xf(T * H), rf(T), hf(T * H), dh(train ? T * H : 0);
  FLK_CUDA(cudaMemcpyAsync(xf.get(), x.get(), T * H * 4, cudaMemcpyDeviceToDevice, stream_));
  rmsnorm_forward(x.get(), w_.final_norm.get(), T, H, static_cast<float>(c.rms_norm_eps), hf.get(), rf.get(), stream_);
  if (train) FLK_CUDA(cudaMemsetAsync(dh.get(), 0, dh.bytes(), stream_));

  // LM head and cross-entropy over the positions that have a target, in chunks of rows.
  loss.assign(T, 0.0f);
  std::vector<int32_t> rows, targets;
  for (int64_t t = 0; t < T; ++t)
    if (b.targets[t] >= 0) rows.push_back(static_cast<int32_t>(t)), targets.push_back(b.targets[t]);
  const DeviceMatrix& head = *w_.lm_head;
  const int64_t V = head.rows, chunk = 256;
  DeviceBuffer<float> logits(static_cast<size_t>(std::min<int64_t>(chunk, static_cast<int64_t>(rows.size())) * V)), closs(chunk), hc(chunk * H),
      dhc(chunk * H);
  DeviceBuffer<int32_t> ctargets(chunk);
  std::vector<float> host_loss(chunk);
  for (size_t c0 = 0; c0 < rows.size(); c0 += chunk) {
    cancel();
    const int64_t n = std::min<int64_t>(chunk, static_cast<int64_t>(rows.size() - c0));
    for (int64_t r = 0; r < n; ++r)
      FLK_CUDA(cudaMemcpyAsync(hc.get() + r * H, hf.get() + rows[c0 + r] * H, H * 4, cudaMemcpyDeviceToDevice, stream_));
    FLK_CUDA(cudaMemcpyAsync(ctargets.get(), targets.data() + c0, n * 4, cudaMemcpyHostToDevice, stream_));
    gemm(blas_, n, V, H, activation(hc.get(), n, H, bf16_x_), weight(head, true), logits.get(), V, 1.0f, 0.0f);
    cross_entropy(logits.get(), n, V, ctargets.get(), closs.get(), grad_scale, train, stream_);
    FLK_CUDA(cudaMemcpyAsync(host_loss.data(), closs.get(), n * 4, cudaMemcpyDeviceToHost, stream_));
    if (train) {
      gemm(blas_, n, H, V, activation(logits.get(), n, V, bf16_x_), weight(head, false), dhc.get(), H, 1.0f, 0.0f);
      for (int64_t r = 0; r < n; ++r)
        FLK_CUDA(cudaMemcpyAsync(dh.get() + rows[c0 + r] * H, dhc.get() + r * H, H * 4, cudaMemcpyDeviceToDevice, stream_));
    }
    sync();
    for (int64_t r = 0; r < n; ++r) loss[rows[c0 + r]] = host_loss[r];
  }
  size_t free1 = 0;
  FLK_CUDA(cudaMemGetInfo(&free1, &total));
  peak_bytes_ = std::max<int64_t>(peak_bytes_, static_cast<int64_t>(free0 > free1 ? free0 - free1 : 0));
  if (!train) return;

  // ---- backward
  DeviceBuffer<float>& dx = x;
  rmsnorm_backward(dh.get(), xf.get(), w_.final_norm.get(), rf.get(), T, H, dx.get(), false, stream_);
  DeviceBuffer<float> dm(T * I), dg(T * I), du(T * I), dh2(T * H), datt(T * Q), dq(T * Q), dk(T * KV), dv(T * KV);
  for (int l = c.num_layers - 1; l >= 0; --l) {
    cancel();
    LayerActs& A = acts[l];
    const DeviceLayer& w = w_.layers[l];
    geo.window = c.layer_sliding[l] ? c.sliding_window : 0;
    swiglu_forward(A.g.get(), A.u.get(), T * I, mI.get(), stream_);
    adapted_linear_backward(w.down, dx.get(), mI.get(), T, dm.get(), false, lora, l, kDown, seed, A.lu[kDown]);
    swiglu_backward(dm.get(), A.g.get(), A.u.get(), T * I, dg.get(), du.get(), stream_);
    adapted_linear_backward(w.gate, dg.get(), A.h2.get(), T, dh2.get(), false, lora, l, kGate, seed, A.lu[kGate]);
    adapted_linear_backward(w.up, du.get(), A.h2.get(), T, dh2.get(), true, lora, l, kUp, seed, A.lu[kUp]);
    rmsnorm_backward(dh2.get(), A.x_mid.get(), w.post_norm.get(), A.r2.get(), T, H, dx.get(), true, stream_);
    adapted_linear_backward(w.o, dx.get(), A.att.get(), T, datt.get(), false, lora, l, kO, seed, A.lu[kO]);
    attention_backward(blas_, stream_, geo, A.q.get(), A.k.get(), A.v.get(), A.att.get(), A.lse.get(), datt.get(), dq.get(), dk.get(), dv.get());
    rope(dq.get(), pos.get(), T, c.num_heads, c.head_dim, cosd.get(), sind.get(), true, stream_);
    rope(dk.get(), pos.get(), T, c.num_kv_heads, c.head_dim, cosd.get(), sind.get(), true, stream_);
    float* dh1 = l > 0 ? dh2.get() : nullptr;
    adapted_linear_backward(w.q, dq.get(), A.h1.get(), T, dh1, false, lora, l, kQ, seed, A.lu[kQ]);
    adapted_linear_backward(w.k, dk.get(), A.h1.get(), T, dh1, true, lora, l, kK, seed, A.lu[kK]);
    adapted_linear_backward(w.v, dv.get(), A.h1.get(), T, dh1, true, lora, l, kV, seed, A.lu[kV]);
    if (l > 0) rmsnorm_backward(dh2.get(), A.x_in.get(), w.input_norm.get(), A.r1.get(), T, H, dx.get(), true, stream_);
    A = LayerActs();
  }
  FLK_CUDA(cudaMemGetInfo(&free1, &total));
  peak_bytes_ = std::max<int64_t>(peak_bytes_, static_cast<int64_t>(free0 > free1 ? free0 - free1 : 0));
  sync();
}

}  // namespace

Backend* create_cuda_backend(Model& model, int index, bool bf16) { return new CudaBackend(model, index, bf16); }

}  // namespace flk::cuda
