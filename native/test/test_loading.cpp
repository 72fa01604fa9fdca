// safetensors, config.json and model-folder validation: every hostile input
// gives its own error (status + a message naming file and tensor/field).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "check.hpp"
#include "error.hpp"
#include "flock_lora.h"
#include <nlohmann/json.hpp>

#include "model_config.hpp"
#include "safetensors.hpp"
#include "weights.hpp"

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/flock-test-XXXXXX";
  const char* d = mkdtemp(tmpl);
  if (d == nullptr) std::abort();
  return d;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string safetensors(const std::string& header, const std::string& data) {
  std::string h = header;
  while ((8 + h.size()) % 8 != 0) h += ' ';
  return le64(h.size()) + h + data;
}

std::string floats(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}

// Runs fn, expecting a flk::Error with `status` whose message contains every needle.
template <typename F>
void expect_error(F&& fn, flock_status status, const std::vector<std::string>& needles) {
  try {
    fn();
    CHECK_MSG(false, "expected an error containing '" + needles.at(0) + "'");
  } catch (const flk::Error& e) {
    const std::string msg = e.what();
    CHECK_MSG(e.status() == status, std::string("status ") + flock_status_name(e.status()) + " for: " + msg);
    for (const auto& n : needles) CHECK_MSG(msg.find(n) != std::string::npos, "message '" + msg + "' lacks '" + n + "'");
  }
}

}  // namespace

TEST_CASE("reads F32, BF16 and F16 tensors") {
  const std::string dir = temp_dir();
  // bf16 of 1.5 = 0x3fc0, f16 of -2.0 = 0xc000, f16 subnormal 2^-24 = 0x0001
  std::string data = floats({1.0f, -2.5f});
  data += std::string("\xc0\x3f", 2);
  data += std::string("\x00\xc0\x01\x00", 4);
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]},"c":{"dtype":"F16","shape":[2],"data_offsets":[10,14]}})";
  write_file(dir + "/x.safetensors", safetensors(header, data));
  flk::SafetensorsFile f(dir + "/x.safetensors");
  CHECK(f.tensors().size() == 3);
  CHECK(f.metadata().at("format") == "pt");
  float out[2];
  const auto& a = f.tensors().at("a");
  flk::to_f32(a.dtype, a.data, out, 2);
  CHECK(out[0] == 1.0f && out[1] == -2.5f);
  const auto& b = f.tensors().at("b");
  flk::to_f32(b.dtype, b.data, out, 1);
  CHECK(out[0] == 1.5f);
  const auto& c = f.tensors().at("c");
  flk::to_f32(c.dtype, c.data, out, 2);
  CHECK(out[0] == -2.0f);
  CHECK(out[1] == std::ldexp(1.0f, -24));
}

TEST_CASE("hostile safetensors files") {
  const std::string dir = temp_dir();
  const std::string p = dir + "/m.safetensors";
  write_file(p, "abc");
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "truncated"});
  write_file(p, le64(1000) + "{}");
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "past the end"});
  write_file(p, safetensors("{not json", ""));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "invalid JSON"});
  write_file(p, safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", floats({1})));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "duplicate key 'a'"});
  write_file(p, safetensors(R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}})", floats({1})));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "'a'", "unknown dtype"});
  write_file(p, safetensors(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2})));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "'a'", "[3]", "needs 12 bytes"});
  write_file(p, safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", floats({1, 2})));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "'a'", "past the end of the data"});
  write_file(p, safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                            floats({1, 2, 3})));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "'a'", "'b'", "overlapping"});
  // a zero-length tensor inside another hides an overlap from a check of neighbours only
  write_file(p, safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                            floats({1, 2, 3, 4})));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "'a'", "'z'", "overlapping"});
  write_file(p, safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                            floats({1, 2, 3})));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "'b'", "beginning at 8", "4 bytes belong to no tensor"});
  write_file(p, safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", floats({1, 2})));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "last 4 bytes", "belong to no tensor"});
  // zero-length tensors where the data is contiguous are valid, in any header order
  write_file(p, safetensors(R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"z":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},)"
                            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                            floats({1, 2})));
  CHECK(flk::SafetensorsFile(p).tensors().size() == 3);
  write_file(p, safetensors(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", floats({1})));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "'a'", "shape"});
  write_file(p, safetensors(R"([1,2,3])", ""));
  expect_error([&] { flk::SafetensorsFile f(p); }, FLOCK_E_FORMAT, {p, "not a JSON object"});
  expect_error([&] { flk::SafetensorsFile f(dir + "/none.safetensors"); }, FLOCK_E_IO, {"none.safetensors", "cannot open"});
}

TEST_CASE("checkpoint lookups name the missing or misshapen tensor") {
  const std::string dir = temp_dir();
  write_file(dir + "/model.safetensors",
             safetensors(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"i":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}})",
                         floats({1, 2, 3, 4, 0, 0})));
  flk::Checkpoint ck(dir);
  CHECK(ck.require("w", {2, 2}).nbytes == 16);
  expect_error([&] { ck.require("w", {4}); }, FLOCK_E_TENSOR, {"'w'", "shape [2, 2]", "expected [4]"});
  expect_error([&] { ck.require("nope", {1}); }, FLOCK_E_TENSOR, {"missing tensor 'nope'"});
  expect_error([&] { ck.require("i", {1}); }, FLOCK_E_TENSOR, {"'i'", "I64"});
}

TEST_CASE("sharded checkpoints through model.safetensors.index.json") {
  const std::string dir = temp_dir();
  write_file(dir + "/s1.safetensors", safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", floats({7})));
  write_file(dir + "/s2.safetensors", safetensors(R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", floats({8})));
  write_file(dir + "/model.safetensors.index.json", R"({"metadata":{},"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  flk::Checkpoint ck(dir);
  float v;
  flk::to_f32(flk::DType::F32, ck.require("b", {1}).data, &v, 1);
  CHECK(v == 8.0f);
  write_file(dir + "/model.safetensors.index.json", R"({"weight_map":{"a":"../s1.safetensors"}})");
  expect_error([&] { flk::Checkpoint c(dir); }, FLOCK_E_FORMAT, {"model.safetensors.index.json", "'a'", "not a file name"});
  write_file(dir + "/model.safetensors.index.json", R"({"weight_map":{"c":"s1.safetensors"}})");
  expect_error([&] { flk::Checkpoint c(dir); }, FLOCK_E_TENSOR, {"'c'", "s1.safetensors", "does not contain"});
  const std::string empty = temp_dir();
  expect_error([&] { flk::Checkpoint c(empty); }, FLOCK_E_IO, {"no model.safetensors"});
}

namespace {
const char* kQwen = R"({"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","vocab_size":64,"hidden_size":32,
  "intermediate_size":48,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-6,
  "rope_theta":10000.0,"tie_word_embeddings":true})";

nlohmann::json qwen() { return nlohmann::json::parse(kQwen); }
}  // namespace

TEST_CASE("config.json of the three architectures") {
  flk::ModelConfig c = flk::parse_model_config(qwen(), "config.json");
  CHECK(c.head_dim == 8 && c.num_kv_heads == 2 && c.attention_bias && c.tie_word_embeddings);
  auto j = qwen();
  j["architectures"] = {"LlamaForCausalLM"};
  j["model_type"] = "llama";
  j["head_dim"] = 16;
  j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 32.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                       {"original_max_position_embeddings", 8192}};
  c = flk::parse_model_config(j, "config.json");
  CHECK(c.head_dim == 16 && !c.attention_bias && c.rope.type == "llama3" && c.rope.factor == 32.0);
  j = qwen();
  j["architectures"] = {"MistralForCausalLM"};
  j["model_type"] = "mistral";
  j["sliding_window"] = 16;
  c = flk::parse_model_config(j, "config.json");
  CHECK(c.sliding_window == 16 && c.layer_sliding[0] && !c.attention_bias);
  j = qwen();
  j.erase("rope_theta");
  j["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 1e6}};
  CHECK(flk::parse_model_config(j, "config.json").rope.theta == 1e6);
}

TEST_CASE("hostile config.json") {
  auto j = qwen();
  j["architectures"] = {"GPT2LMHeadModel"};
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_UNSUPPORTED, {"cfg.json", "GPT2LMHeadModel"});
  j = qwen();
  j.erase("hidden_size");
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_CONFIG, {"cfg.json", "missing required field 'hidden_size'"});
  j = qwen();
  j["num_key_value_heads"] = 3;
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_CONFIG, {"'num_key_value_heads'", "divide"});
  j = qwen();
  j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_UNSUPPORTED, {"yarn"});
  j = qwen();
  j["hidden_act"] = "gelu";
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_UNSUPPORTED, {"gelu"});
  j = qwen();
  j["vocab_size"] = "64";
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_CONFIG, {"'vocab_size'", "integer"});
  j = qwen();
  j["use_sliding_window"] = true;
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_UNSUPPORTED, {"use_sliding_window"});
  j = qwen();
  j["model_type"] = "llama";
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_CONFIG, {"'model_type'"});
}

TEST_CASE("config.json dimensions are bounded and their products computed in 64 bits") {
  // 65536 heads of 65536: 2^32, which a 32-bit product turned into 0 (zero-row projections passed)
  auto j = qwen();
  j["num_attention_heads"] = 65536;
  j["num_key_value_heads"] = 65536;
  j["head_dim"] = 65536;
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_CONFIG, {"cfg.json", "'num_attention_heads'", "at most 1024", "65536"});
  j = qwen();
  j["num_attention_heads"] = 1024;
  j["num_key_value_heads"] = 1024;
  j["head_dim"] = 1024;
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_CONFIG, {"cfg.json", "'head_dim'", "1048576", "above the limit"});
  j = qwen();
  j["num_attention_heads"] = 512;
  j["num_key_value_heads"] = 512;
  j["head_dim"] = 512;
  const flk::ModelConfig wide = flk::parse_model_config(j, "cfg.json");
  CHECK(wide.q_dim() == 262144 && wide.kv_dim() == 262144);
  for (const char* field : {"num_hidden_layers", "vocab_size", "hidden_size", "intermediate_size", "max_position_embeddings"}) {
    for (const nlohmann::json& v : {nlohmann::json(5000000000ll), nlohmann::json(1ll << 30), nlohmann::json(18446744073709551615ull), nlohmann::json(-1)}) {
      j = qwen();
      j[field] = v;
      expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_CONFIG, {"cfg.json", std::string("'") + field + "'", v.dump()});
    }
  }
  j = qwen();
  j["num_hidden_layers"] = 5000000;
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_CONFIG, {"'num_hidden_layers'", "at most 1024, got 5000000"});
  j = qwen();
  j["num_attention_heads"] = 1;
  j["num_key_value_heads"] = 1;
  j["hidden_size"] = 4096;
  expect_error([&] { flk::parse_model_config(j, "cfg.json"); }, FLOCK_E_CONFIG, {"'hidden_size'", "head_dim of 4096"});
}

TEST_CASE("num_hidden_layers must match the layers the weights hold, before anything is sized from it") {
  const std::string dir = temp_dir();
  write_file(dir + "/model.safetensors",
             safetensors(R"({"model.layers.0.input_layernorm.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                         R"("model.layers.1.input_layernorm.weight":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                         floats({1, 1})));
  auto j = qwen();
  for (int layers : {1000, 3, 1}) {
    j["num_hidden_layers"] = layers;
    const flk::ModelConfig c = flk::parse_model_config(j, dir + "/config.json");
    expect_error([&] { flk::load_weights(dir, c); }, FLOCK_E_CONFIG,
                 {dir + "/config.json", "'num_hidden_layers' is " + std::to_string(layers), "holds 2 layer(s)", "model.layers.1)"});
  }
}

TEST_CASE("JSON files are read with a cap on the bytes read, whatever stat says") {
  const std::string dir = temp_dir();
  CHECK(::symlink("/dev/zero", (dir + "/config.json").c_str()) == 0);
  expect_error([&] { flk::load_model_config(dir + "/config.json"); }, FLOCK_E_FORMAT, {dir + "/config.json", "larger than 64 MiB"});
  CHECK(::symlink("/dev/zero", (dir + "/model.safetensors.index.json").c_str()) == 0);
  expect_error([&] { flk::Checkpoint c(dir); }, FLOCK_E_FORMAT, {"model.safetensors.index.json", "larger than 64 MiB"});
}

TEST_CASE("the C ABI reports load failures without crashing") {
  const std::string dir = temp_dir();
  flock_model* m = reinterpret_cast<flock_model*>(0x1);
  flock_error err;
  CHECK(flock_model_load(dir.c_str(), nullptr, &m, &err) == FLOCK_E_IO);
  CHECK(m == nullptr);
  CHECK(std::string(err.message).find("config.json") != std::string::npos);
  write_file(dir + "/config.json", kQwen);
  CHECK(flock_model_load(dir.c_str(), nullptr, &m, &err) == FLOCK_E_IO);
  CHECK(std::string(err.message).find("no model.safetensors") != std::string::npos);
  flock_load_options opts{"cuda", 0};
  CHECK(flock_model_load(dir.c_str(), &opts, &m, &err) == FLOCK_E_INVALID_ARGUMENT);
}

int main() { return check::run_all(); }
