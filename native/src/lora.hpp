// LoRA adapters with Hugging Face PEFT's semantics (see shared/reference/peft-lora.md):
//   y = W x (+ b) + s · B (A (dropout(x))),  s = alpha / r  (alpha / sqrt(r) with rsLoRA)
// A is [r, in], B is [out, r]. All trainable state lives in four flat fp32 buffers.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model_config.hpp"

namespace flk {

enum Target : int { kQ = 0, kK, kV, kO, kGate, kUp, kDown, kNumTargets };
const char* target_name(int t);  // "q_proj", ...
bool is_attention_target(int t);

struct LoraConfig {
  uint32_t targets = 0;  // bit t set = Target t adapted
  int32_t rank = 16;
  double alpha = 32.0;
  bool rslora = false;
  double dropout = 0.0;
  bool gaussian_init = false;  // false: kaiming-uniform A (PEFT default)
  double scale() const;
};

struct LoraModule {
  bool active = false;
  int64_t in = 0, out = 0;
  int64_t a_offset = 0;  // A [r, in] in the flat buffers
  int64_t b_offset = 0;  // B [out, r]
};

class LoraState {
 public:
  LoraState(const ModelConfig& model, const LoraConfig& config);

  const LoraConfig& config() const { return config_; }
  const LoraModule& module(int layer, int target) const { return modules_[layer][target]; }
  int num_layers() const { return static_cast<int>(modules_.size()); }
  int64_t num_params() const { return static_cast<int64_t>(params.size()); }

  // PEFT's default init: A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with a = sqrt(5)) or
  // N(0, 1/r²) for "gaussian"; B = 0. Deterministic in the seed.
  void init(uint64_t seed);
  // Loads A and B from a PEFT adapter folder (adapter_config.json + adapter_model.safetensors),
  // checking that rank and targets agree with this state's config.
  void load_peft(const std::string& dir);
  // Writes a PEFT adapter folder loadable by peft.PeftModel.from_pretrained.
  void save_peft(const std::string& dir, const std::string& base_model_name) const;

  std::vector<float> params, grads, adam_m, adam_v;

 private:
  static std::string peft_key(int layer, int target, char ab);
  ModelConfig model_;
  LoraConfig config_;
  std::vector<std::array<LoraModule, kNumTargets>> modules_;
};

}  // namespace flk
