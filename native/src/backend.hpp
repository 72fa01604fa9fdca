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
  // A run's adapter, before its first use and after its last: a device backend mirrors
  // the LoRA parameters and optimizer state in device memory in between, and copies
  // the parameters back to `lora` (host) on detach. The CPU backend works on `lora` itself.
  virtual void attach(LoraState& lora) {}
  virtual void detach(LoraState& lora) {}
};

// attach() for a scope; detach() on every exit path.
class AttachedLora {
 public:
  AttachedLora(Backend& b, LoraState& l) : b_(b), l_(l) { b_.attach(l_); }
  ~AttachedLora() {
    try {
      b_.detach(l_);
    } catch (...) {
    }
  }
  AttachedLora(const AttachedLora&) = delete;
  AttachedLora& operator=(const AttachedLora&) = delete;

 private:
  Backend& b_;
  LoraState& l_;
};

std::unique_ptr<Backend> make_cpu_backend(Model& model);

}  // namespace flk
