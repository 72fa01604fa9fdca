// The compute backend the training loop drives. The CPU backend (cpu/cpu_backend.*)
// is the readable reference; the CUDA backend implements the same interface.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lora.hpp"
#include "model.hpp"
#include "optimizer.hpp"

namespace flk {

// Throws flk::Error(E_CANCELLED) when the run has been cancelled; called between layers.
using CancelCheck = std::function<void()>;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // Forward + backward of one micro-batch with dropout: fills loss[t] per position and adds
  // grad_scale · ∂(Σ loss)/∂θ to lora.grads.
  virtual void train_micro_batch(const Batch& b, LoraState& lora, float grad_scale, uint64_t dropout_seed,
                                 std::vector<float>& loss, const CancelCheck& cancel) = 0;
  // Forward only, adapter applied without dropout (lora may be null: the base model).
  virtual void eval_batch(const Batch& b, const LoraState* lora, std::vector<float>& loss, const CancelCheck& cancel) = 0;
  // Sum of squared gradients, then clipping and one AdamW step (host buffers on the CPU).
  virtual double grad_sq_norm(const LoraState& lora) = 0;
  virtual void optimizer_step(LoraState& lora, const AdamWConfig& adam, double lr, int64_t step, float grad_coef) = 0;
  virtual void zero_grads(LoraState& lora) = 0;
  // Largest activation workspace held at once during this backend's lifetime, in bytes.
  virtual int64_t peak_workspace_bytes() const = 0;
};

std::unique_ptr<Backend> make_cpu_backend(Model& model);

}  // namespace flk
