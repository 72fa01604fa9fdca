// Reads a training fixture (test/fixtures/training/<case>/) into a C ABI request.
#pragma once
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "flock_lora.h"
#include "error.hpp"
#include "json_util.hpp"
#include "safetensors.hpp"

struct TrainingFixture {
  std::string dir, model_dir;
  nlohmann::json settings, expected;
  std::vector<int32_t> train_tokens, eval_tokens;
  std::vector<uint8_t> train_mask, eval_mask;
  std::vector<int64_t> train_offsets, eval_offsets;

  template <typename T>
  static std::vector<T> read(const flk::SafetensorsFile& f, const std::string& name) {
    const auto& v = f.tensors().at(name);
    std::vector<T> out(v.nbytes / sizeof(T));
    std::memcpy(out.data(), v.data, v.nbytes);
    return out;
  }

  // dir: the case folder; model_root: the folder holding the reference models.
  TrainingFixture(const std::string& case_dir, const std::string& model_root) : dir(case_dir) {
    settings = flk::read_json_file(dir + "/settings.json");
    try {
      expected = flk::read_json_file(dir + "/expected.json");
    } catch (const flk::Error&) {
      expected = nlohmann::json::object();  // the reference script runs the tool before writing it
    }
    model_dir = model_root + "/" + settings["model"].get<std::string>();
    flk::SafetensorsFile f(dir + "/data.safetensors");
    train_tokens = read<int32_t>(f, "train_tokens");
    train_mask = read<uint8_t>(f, "train_mask");
    train_offsets = read<int64_t>(f, "train_offsets");
    eval_tokens = read<int32_t>(f, "eval_tokens");
    eval_mask = read<uint8_t>(f, "eval_mask");
    eval_offsets = read<int64_t>(f, "eval_offsets");
  }

  flock_train_request request() const {
    flock_train_request r{};
    r.train = flock_batch{train_tokens.data(), train_mask.data(), train_offsets.data(), static_cast<int64_t>(train_offsets.size()) - 1};
    r.eval = flock_batch{eval_tokens.data(), eval_mask.data(), eval_offsets.data(), static_cast<int64_t>(eval_offsets.size()) - 1};
    const auto& l = settings["lora"];
    uint32_t targets = 0;
    const char* names[] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    for (const auto& t : l["target_modules"])
      for (int i = 0; i < 7; ++i)
        if (t.get<std::string>() == names[i]) targets |= 1u << i;
    r.lora = flock_lora_config{targets, l["r"].get<int32_t>(), l["alpha"].get<double>(), l.value("use_rslora", false) ? 1 : 0,
                               l["dropout"].get<double>(), 0};
    const auto& t = settings["train"];
    flock_train_config& c = r.config;
    c.lr = t["lr"].get<double>();
    c.schedule = t["schedule"].get<std::string>() == "cosine" ? FLOCK_SCHEDULE_COSINE : FLOCK_SCHEDULE_LINEAR;
    c.warmup_steps = t["warmup_steps"].get<int64_t>();
    c.epochs = t["epochs"].get<int32_t>();
    c.max_steps = t.value("max_steps", int64_t{0});
    c.micro_batch_size = t["micro_batch_size"].get<int32_t>();
    c.grad_accum = t["grad_accum"].get<int32_t>();
    c.max_grad_norm = t["max_grad_norm"].get<double>();
    c.beta1 = t["beta1"].get<double>();
    c.beta2 = t["beta2"].get<double>();
    c.eps = t["eps"].get<double>();
    c.weight_decay = t["weight_decay"].get<double>();
    c.seed = t["seed"].get<uint64_t>();
    c.shuffle = t["shuffle"].get<bool>() ? 1 : 0;
    c.eval_batch_tokens = 4096;
    return r;
  }
};

// One run of a fixture from its initial adapter: the result with its curves copied out.
struct FixtureRun {
  flock_train_result r{};  // step arrays already freed; use the vectors
  std::vector<double> loss, lr, grad_norm;
  std::string error;  // empty when the run succeeded
};

inline FixtureRun run_fixture(const TrainingFixture& fx, int threads, const char* device = "cpu", const char* precision = nullptr,
                              bool eval_before = false) {
  FixtureRun out;
  flock_model* m = nullptr;
  flock_error err{};
  flock_load_options opts{"cpu", threads};
  if (flock_model_load(fx.model_dir.c_str(), &opts, &m, &err) != FLOCK_OK) {
    out.error = err.message;
    return out;
  }
  const std::string init = fx.dir + "/init_adapter";
  flock_train_request rq = fx.request();
  rq.init_adapter_dir = init.c_str();
  rq.device = device;
  rq.precision = precision;
  rq.config.eval_before = eval_before ? 1 : 0;
  if (flock_train_and_evaluate(m, &rq, &out.r, &err) == FLOCK_OK) {
    out.loss.assign(out.r.step_loss, out.r.step_loss + out.r.steps);
    out.lr.assign(out.r.step_lr, out.r.step_lr + out.r.steps);
    out.grad_norm.assign(out.r.step_grad_norm, out.r.step_grad_norm + out.r.steps);
    flock_train_result_free(&out.r);
  } else {
    out.error = err.message;
  }
  flock_model_free(m);
  return out;
}
