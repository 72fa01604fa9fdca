#include "lora.hpp"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "error.hpp"
#include "json_util.hpp"
#include "rng.hpp"
#include "safetensors.hpp"

namespace flk {

namespace {
const char* kTargetNames[kNumTargets] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
}

const char* target_name(int t) { return kTargetNames[t]; }
bool is_attention_target(int t) { return t <= kO; }

double LoraConfig::scale() const { return rslora ? alpha / std::sqrt(static_cast<double>(rank)) : alpha / rank; }

LoraState::LoraState(const ModelConfig& m, const LoraConfig& c) : model_(m), config_(c) {
  if (c.rank < 1 || c.rank > 4096) fail(FLOCK_E_INVALID_ARGUMENT, "lora rank must be in [1, 4096], got " + std::to_string(c.rank));
  if (!(c.alpha > 0) || !std::isfinite(c.alpha)) fail(FLOCK_E_INVALID_ARGUMENT, "lora alpha must be a positive number");
  if (!(c.dropout >= 0 && c.dropout < 1)) fail(FLOCK_E_INVALID_ARGUMENT, "lora dropout must be in [0, 1)");
  if (c.targets == 0 || c.targets >= (1u << kNumTargets)) fail(FLOCK_E_INVALID_ARGUMENT, "lora targets must name at least one known module");
  const int64_t H = m.hidden_size, I = m.intermediate_size;
  const int64_t dims[kNumTargets][2] = {{H, m.q_dim()}, {H, m.kv_dim()}, {H, m.kv_dim()}, {m.q_dim(), H}, {H, I}, {H, I}, {I, H}};
  modules_.resize(m.num_layers);
  int64_t off = 0;
  for (int l = 0; l < m.num_layers; ++l) {
    for (int t = 0; t < kNumTargets; ++t) {
      LoraModule& mod = modules_[l][t];
      if (!(c.targets & (1u << t))) continue;
      mod.active = true;
      mod.in = dims[t][0];
      mod.out = dims[t][1];
      mod.a_offset = off;
      off += c.rank * mod.in;
      mod.b_offset = off;
      off += mod.out * c.rank;
    }
  }
  params.assign(off, 0.0f);
  grads.assign(off, 0.0f);
  adam_m.assign(off, 0.0f);
  adam_v.assign(off, 0.0f);
}

void LoraState::init(uint64_t seed) {
  for (int l = 0; l < num_layers(); ++l) {
    for (int t = 0; t < kNumTargets; ++t) {
      const LoraModule& mod = modules_[l][t];
      if (!mod.active) continue;
      const uint64_t key = derive_key(seed, 0x4c6f5241 /* "LoRA" */, l, t);
      float* A = params.data() + mod.a_offset;
      const int64_t n = config_.rank * mod.in;
      if (config_.gaussian_init) {
        const double std = 1.0 / config_.rank;
        for (int64_t i = 0; i < n; ++i) A[i] = static_cast<float>(normal_at(key, i) * std);
      } else {
        const float bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(mod.in)));
        for (int64_t i = 0; i < n; ++i) A[i] = (2.0f * uniform_at(key, i) - 1.0f) * bound;
      }
      std::fill(params.begin() + mod.b_offset, params.begin() + mod.b_offset + mod.out * config_.rank, 0.0f);
    }
  }
}

std::string LoraState::peft_key(int layer, int target, char ab) {
  return std::string("base_model.model.model.layers.") + std::to_string(layer) + (is_attention_target(target) ? ".self_attn." : ".mlp.") +
         target_name(target) + ".lora_" + ab + ".weight";
}

void LoraState::load_peft(const std::string& dir) {
  const std::string cfg_path = dir + "/adapter_config.json";
  const nlohmann::json cfg = read_json_file(cfg_path);
  if (!cfg.is_object()) fail(FLOCK_E_FORMAT, cfg_path + ": not a JSON object");
  if (cfg.value("peft_type", "") != "LORA") fail(FLOCK_E_UNSUPPORTED, cfg_path + ": peft_type must be \"LORA\"");
  if (!cfg.contains("r") || !cfg["r"].is_number_integer() || cfg["r"].get<int64_t>() != config_.rank)
    fail(FLOCK_E_CONFIG, cfg_path + ": field 'r' must equal the requested rank " + std::to_string(config_.rank));
  if (cfg.contains("lora_alpha") && cfg["lora_alpha"].is_number() && std::fabs(cfg["lora_alpha"].get<double>() - config_.alpha) > 1e-9)
    fail(FLOCK_E_CONFIG, cfg_path + ": field 'lora_alpha' (" + std::to_string(cfg["lora_alpha"].get<double>()) +
                             ") differs from the requested alpha " + std::to_string(config_.alpha));
  const std::string st_path = dir + "/adapter_model.safetensors";
  SafetensorsFile f(st_path);
  std::set<std::string> used;
  for (int l = 0; l < num_layers(); ++l) {
    for (int t = 0; t < kNumTargets; ++t) {
      const LoraModule& mod = modules_[l][t];
      if (!mod.active) continue;
      for (char ab : {'A', 'B'}) {
        const std::string key = peft_key(l, t, ab);
        auto it = f.tensors().find(key);
        if (it == f.tensors().end()) fail(FLOCK_E_TENSOR, st_path + ": missing tensor '" + key + "'");
        const TensorView& v = it->second;
        const std::vector<int64_t> shape = ab == 'A' ? std::vector<int64_t>{config_.rank, mod.in} : std::vector<int64_t>{mod.out, config_.rank};
        if (!v.dtype_supported) fail(FLOCK_E_TENSOR, st_path + ": tensor '" + key + "' has unsupported dtype " + v.dtype_name);
        if (v.shape != shape) fail(FLOCK_E_TENSOR, st_path + ": tensor '" + key + "' has shape " + v.shape_str() + ", expected " + shape_to_string(shape));
        to_f32(v.dtype, v.data, params.data() + (ab == 'A' ? mod.a_offset : mod.b_offset), static_cast<size_t>(v.numel()));
        used.insert(key);
      }
    }
  }
  for (const auto& kv : f.tensors())
    if (!used.count(kv.first))
      fail(FLOCK_E_TENSOR, st_path + ": tensor '" + kv.first + "' does not belong to the requested targets");
}

void LoraState::save_peft(const std::string& dir, const std::string& base_model_name) const {
  ::mkdir(dir.c_str(), 0755);
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fail(FLOCK_E_IO, dir + ": cannot create the adapter folder");
  nlohmann::json header = nlohmann::json::object();
  header["__metadata__"] = {{"format", "pt"}};
  std::vector<std::pair<std::string, std::pair<int64_t, std::vector<int64_t>>>> entries;
  int64_t off = 0;
  nlohmann::json targets = nlohmann::json::array();
  for (int t = 0; t < kNumTargets; ++t)
    if (config_.targets & (1u << t)) targets.push_back(target_name(t));
  for (int l = 0; l < num_layers(); ++l)
    for (int t = 0; t < kNumTargets; ++t) {
      const LoraModule& mod = modules_[l][t];
      if (!mod.active) continue;
      const int64_t na = config_.rank * mod.in, nb = mod.out * config_.rank;
      header[peft_key(l, t, 'A')] = {{"dtype", "F32"}, {"shape", {config_.rank, mod.in}}, {"data_offsets", {off * 4, (off + na) * 4}}};
      entries.push_back({peft_key(l, t, 'A'), {mod.a_offset, {na}}});
      off += na;
      header[peft_key(l, t, 'B')] = {{"dtype", "F32"}, {"shape", {mod.out, config_.rank}}, {"data_offsets", {off * 4, (off + nb) * 4}}};
      entries.push_back({peft_key(l, t, 'B'), {mod.b_offset, {nb}}});
      off += nb;
    }
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0) h += ' ';
  const std::string tmp = dir + "/adapter_model.safetensors.tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(FLOCK_E_IO, tmp + ": cannot write");
    uint64_t n = h.size();
    char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    out.write(len, 8);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    // Tensors in header order: the offsets above were assigned in this order.
    for (const auto& e : entries)
      out.write(reinterpret_cast<const char*>(params.data() + e.second.first), static_cast<std::streamsize>(e.second.second[0] * 4));
    if (!out) fail(FLOCK_E_IO, tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), (dir + "/adapter_model.safetensors").c_str()) != 0) fail(FLOCK_E_IO, dir + ": cannot rename the adapter file");
  nlohmann::json cfg = {{"peft_type", "LORA"},
                        {"task_type", "CAUSAL_LM"},
                        {"r", config_.rank},
                        {"lora_alpha", config_.alpha},
                        {"lora_dropout", config_.dropout},
                        {"use_rslora", config_.rslora},
                        {"target_modules", targets},
                        {"bias", "none"},
                        {"fan_in_fan_out", false},
                        {"init_lora_weights", config_.gaussian_init ? nlohmann::json("gaussian") : nlohmann::json(true)},
                        {"base_model_name_or_path", base_model_name},
                        {"inference_mode", true},
                        {"modules_to_save", nullptr}};
  std::ofstream cf(dir + "/adapter_config.json", std::ios::trunc);
  cf << cfg.dump(2) << "\n";
  if (!cf) fail(FLOCK_E_IO, dir + "/adapter_config.json: write failed");
}

}  // namespace flk
