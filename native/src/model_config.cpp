#include "model_config.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "json_util.hpp"

namespace flk {

using nlohmann::json;

namespace {

struct Fields {
  const json& j;
  const std::string& path;

  bool present(const char* key) const {
    auto it = j.find(key);
    return it != j.end() && !it->is_null();
  }
  [[noreturn]] void bad(const std::string& key, const std::string& why) const {
    fail(FLOCK_E_CONFIG, path + ": field '" + key + "' " + why);
  }
  int32_t positive_int(const char* key, int64_t max) const {
    if (!present(key)) fail(FLOCK_E_CONFIG, path + ": missing required field '" + std::string(key) + "'");
    return positive_int_value(j.at(key), key, max);
  }
  // Checked in 64 bits (unsigned JSON integers above 2^63 included) before anything narrows it.
  int32_t positive_int_value(const json& v, const std::string& key, int64_t max) const {
    if (!v.is_number_integer()) bad(key, "must be an integer");
    const std::string limit = "must be a positive integer at most " + std::to_string(max) + ", got ";
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u == 0 || u > static_cast<uint64_t>(max)) bad(key, limit + std::to_string(u));
      return static_cast<int32_t>(u);
    }
    const int64_t x = v.get<int64_t>();
    if (x <= 0 || x > max) bad(key, limit + std::to_string(x));
    return static_cast<int32_t>(x);
  }
  int32_t optional_positive_int(const char* key, int64_t max, int32_t fallback) const {
    return present(key) ? positive_int(key, max) : fallback;
  }
  double positive_number(const json& v, const std::string& key) const {
    if (!v.is_number()) bad(key, "must be a number");
    const double x = v.get<double>();
    if (!(x > 0) || !std::isfinite(x)) bad(key, "must be a positive finite number");
    return x;
  }
  double positive_number(const char* key, double fallback, bool required) const {
    if (!present(key)) {
      if (required) fail(FLOCK_E_CONFIG, path + ": missing required field '" + std::string(key) + "'");
      return fallback;
    }
    return positive_number(j.at(key), key);
  }
  bool boolean(const char* key, bool fallback) const {
    if (!present(key)) return fallback;
    if (!j.at(key).is_boolean()) bad(key, "must be true or false");
    return j.at(key).get<bool>();
  }
  std::string string(const char* key, const std::string& fallback) const {
    if (!present(key)) return fallback;
    if (!j.at(key).is_string()) bad(key, "must be a string");
    return j.at(key).get<std::string>();
  }
};

// `rope_scaling` (transformers 4.x) or `rope_parameters` (5.x): both carry the type and its factors.
void parse_rope(const Fields& f, ModelConfig* c) {
  const json* params = nullptr;
  std::string key;
  if (f.present("rope_parameters")) {
    key = "rope_parameters";
  } else if (f.present("rope_scaling")) {
    key = "rope_scaling";
  }
  c->rope.theta = f.positive_number("rope_theta", 10000.0, false);
  if (key.empty()) return;
  params = &f.j.at(key);
  if (!params->is_object()) f.bad(key, "must be an object");
  const json& p = *params;
  if (p.contains("rope_theta") && !p.at("rope_theta").is_null()) c->rope.theta = f.positive_number(p.at("rope_theta"), key + ".rope_theta");
  std::string type = "default";
  for (const char* tk : {"rope_type", "type"}) {
    if (p.contains(tk) && !p.at(tk).is_null()) {
      if (!p.at(tk).is_string()) f.bad(key + "." + tk, "must be a string");
      type = p.at(tk).get<std::string>();
      break;
    }
  }
  if (type == "default") return;
  if (type != "llama3")
    fail(FLOCK_E_UNSUPPORTED, f.path + ": " + key + " type '" + type + "' is not supported (supported: default, llama3)");
  c->rope.type = type;
  auto num = [&](const char* name) {
    if (!p.contains(name) || p.at(name).is_null()) f.bad(key + "." + name, "is required for llama3 rope scaling");
    return f.positive_number(p.at(name), key + "." + name);
  };
  c->rope.factor = num("factor");
  c->rope.low_freq_factor = num("low_freq_factor");
  c->rope.high_freq_factor = num("high_freq_factor");
  if (!(c->rope.high_freq_factor > c->rope.low_freq_factor))
    f.bad(key + ".high_freq_factor", "must be greater than low_freq_factor");
  if (!p.contains("original_max_position_embeddings")) f.bad(key + ".original_max_position_embeddings", "is required for llama3 rope scaling");
  c->rope.original_max_position =
      f.positive_int_value(p.at("original_max_position_embeddings"), key + ".original_max_position_embeddings", ConfigBounds::positions);
}

}  // namespace

ModelConfig parse_model_config(const json& j, const std::string& path) {
  if (!j.is_object()) fail(FLOCK_E_CONFIG, path + ": not a JSON object");
  Fields f{j, path};
  ModelConfig c;
  if (!f.present("architectures")) fail(FLOCK_E_CONFIG, path + ": missing required field 'architectures'");
  const json& arch = j.at("architectures");
  if (!arch.is_array() || arch.size() != 1 || !arch[0].is_string())
    f.bad("architectures", "must be a list with one architecture name");
  c.architecture = arch[0].get<std::string>();
  std::string expected_type;
  if (c.architecture == "LlamaForCausalLM") expected_type = "llama";
  else if (c.architecture == "Qwen2ForCausalLM") expected_type = "qwen2";
  else if (c.architecture == "MistralForCausalLM") expected_type = "mistral";
  else
    fail(FLOCK_E_UNSUPPORTED, path + ": architecture '" + c.architecture +
                                  "' is not supported (supported: LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM)");
  c.model_type = f.string("model_type", expected_type);
  if (c.model_type != expected_type)
    f.bad("model_type", "is '" + c.model_type + "' but architecture " + c.architecture + " needs '" + expected_type + "'");

  using B = ConfigBounds;
  c.vocab_size = f.positive_int("vocab_size", B::vocab_size);
  c.hidden_size = f.positive_int("hidden_size", B::hidden_size);
  c.intermediate_size = f.positive_int("intermediate_size", B::intermediate_size);
  c.num_layers = f.positive_int("num_hidden_layers", B::num_hidden_layers);
  c.num_heads = f.positive_int("num_attention_heads", B::num_attention_heads);
  c.num_kv_heads = f.optional_positive_int("num_key_value_heads", B::num_attention_heads, c.num_heads);
  if (c.num_heads % c.num_kv_heads != 0)
    f.bad("num_key_value_heads", "(" + std::to_string(c.num_kv_heads) + ") must divide num_attention_heads (" + std::to_string(c.num_heads) + ")");
  if (f.present("head_dim")) {
    c.head_dim = f.positive_int("head_dim", B::head_dim);
  } else {
    if (c.hidden_size % c.num_heads != 0)
      f.bad("hidden_size", "is not divisible by num_attention_heads and no head_dim is given");
    c.head_dim = c.hidden_size / c.num_heads;
    if (c.head_dim > B::head_dim)
      f.bad("hidden_size", "/ num_attention_heads gives a head_dim of " + std::to_string(c.head_dim) + ", above the limit of " + std::to_string(B::head_dim));
  }
  if (c.q_dim() > B::projection)
    f.bad("head_dim", "times num_attention_heads is " + std::to_string(c.q_dim()) + ", above the limit of " + std::to_string(B::projection));
  if (c.head_dim % 2 != 0) f.bad("head_dim", "must be even for rotary embeddings");
  c.max_position_embeddings = f.optional_positive_int("max_position_embeddings", B::positions, 2048);
  c.rms_norm_eps = f.positive_number("rms_norm_eps", 1e-6, true);
  const std::string act = f.string("hidden_act", "silu");
  if (act != "silu") fail(FLOCK_E_UNSUPPORTED, path + ": hidden_act '" + act + "' is not supported (only silu)");
  c.tie_word_embeddings = f.boolean("tie_word_embeddings", false);
  parse_rope(f, &c);

  if (c.model_type == "qwen2") {
    c.attention_bias = true;
    if (f.boolean("use_sliding_window", false))
      fail(FLOCK_E_UNSUPPORTED, path + ": use_sliding_window=true is not supported for Qwen2");
  } else if (c.model_type == "llama") {
    c.attention_bias = f.boolean("attention_bias", false);
    c.o_bias = c.attention_bias;
    c.mlp_bias = f.boolean("mlp_bias", false);
    const int64_t tp = j.contains("pretraining_tp") && j.at("pretraining_tp").is_number_integer() ? j.at("pretraining_tp").get<int64_t>() : 1;
    if (tp != 1) fail(FLOCK_E_UNSUPPORTED, path + ": pretraining_tp=" + std::to_string(tp) + " is not supported (only 1)");
  } else if (c.model_type == "mistral") {
    if (f.present("sliding_window")) c.sliding_window = f.positive_int("sliding_window", B::positions);
  }
  c.layer_sliding.assign(c.num_layers, c.sliding_window > 0);
  if (f.present("layer_types")) {
    const json& lt = j.at("layer_types");
    if (!lt.is_array() || lt.size() != static_cast<size_t>(c.num_layers))
      f.bad("layer_types", "must list one type per layer (" + std::to_string(c.num_layers) + ")");
    for (int32_t i = 0; i < c.num_layers; ++i) {
      const json& t = lt[i];
      const std::string s = t.is_string() ? t.get<std::string>() : "";
      if (s == "full_attention") {
        c.layer_sliding[i] = false;
      } else if (s == "sliding_attention" && c.sliding_window > 0) {
        c.layer_sliding[i] = true;
      } else {
        f.bad("layer_types[" + std::to_string(i) + "]", "is '" + s + "'; supported: full_attention, or sliding_attention with a sliding_window");
      }
    }
  }
  return c;
}

ModelConfig load_model_config(const std::string& path) { return parse_model_config(read_json_file(path), path); }

}  // namespace flk
