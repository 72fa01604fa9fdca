// config.json of LlamaForCausalLM / Qwen2ForCausalLM / MistralForCausalLM.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace flk {

struct RopeConfig {
  double theta = 10000.0;
  std::string type = "default";  // "default" | "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int32_t original_max_position = 8192;
};

struct ModelConfig {
  std::string architecture;
  std::string model_type;
  int32_t vocab_size = 0;
  int32_t hidden_size = 0;
  int32_t intermediate_size = 0;
  int32_t num_layers = 0;
  int32_t num_heads = 0;
  int32_t num_kv_heads = 0;
  int32_t head_dim = 0;
  int32_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  RopeConfig rope;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // q/k/v bias
  bool o_bias = false;
  bool mlp_bias = false;
  int32_t sliding_window = 0;         // 0: none
  std::vector<bool> layer_sliding;    // per layer: uses the sliding window

  // 64-bit: the fields are bounded (see model_config.cpp), their products are computed wide.
  int64_t q_dim() const { return static_cast<int64_t>(num_heads) * head_dim; }
  int64_t kv_dim() const { return static_cast<int64_t>(num_kv_heads) * head_dim; }
};

// The largest value config.json may give each dimension. Far above any released model of
// these architectures (Llama 3.1 405B: 126 layers, hidden 16384, 128 heads, vocab 128256),
// low enough that no product of them overflows 64 bits and nothing is sized from a field
// before the weights present have confirmed it.
struct ConfigBounds {
  static constexpr int64_t vocab_size = 1 << 22;
  static constexpr int64_t hidden_size = 1 << 16;
  static constexpr int64_t intermediate_size = 1 << 18;
  static constexpr int64_t num_hidden_layers = 1024;
  static constexpr int64_t num_attention_heads = 1024;
  static constexpr int64_t head_dim = 1024;
  static constexpr int64_t projection = 1 << 18;  // num_attention_heads * head_dim
  static constexpr int64_t positions = 1 << 24;   // max_position_embeddings, sliding_window, ...
};

// Parses and validates; throws flk::Error (E_CONFIG / E_UNSUPPORTED) naming
// `path` and the field at fault.
ModelConfig parse_model_config(const nlohmann::json& j, const std::string& path);
ModelConfig load_model_config(const std::string& path);

}  // namespace flk
