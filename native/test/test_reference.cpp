// Forward pass and loss against HF transformers (float64) on the committed tiny
// models: fp32 compute must land within 1e-4 relative error on logits and loss.
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "check.hpp"
#include "flock_lora.h"
#include "json_util.hpp"
#include "safetensors.hpp"

namespace {
std::string g_dir;

template <typename T>
std::vector<T> read(const flk::SafetensorsFile& f, const std::string& name) {
  const auto& v = f.tensors().at(name);
  std::vector<T> out(v.nbytes / sizeof(T));
  std::memcpy(out.data(), v.data, v.nbytes);
  return out;
}

void check_case(const std::string& name, int threads) {
  const std::string dir = g_dir + "/" + name;
  flk::SafetensorsFile ref(dir + "/reference.safetensors");
  const auto expected = flk::read_json_file(dir + "/expected.json");
  const auto tokens = read<int32_t>(ref, "tokens");
  const auto mask = read<uint8_t>(ref, "loss_mask");
  const auto offsets = read<int64_t>(ref, "seq_offsets");
  const auto logits_ref = read<float>(ref, "logits");

  flock_load_options opts{"cpu", threads};
  flock_model* m = nullptr;
  flock_error err{};
  CHECK_MSG(flock_model_load(dir.c_str(), &opts, &m, &err) == FLOCK_OK, name + ": " + err.message);
  if (m == nullptr) return;
  flock_model_info info{};
  flock_model_get_info(m, &info, &err);
  CHECK(std::string(info.architecture) == expected["architecture"].get<std::string>());

  const int64_t num_seqs = static_cast<int64_t>(offsets.size()) - 1;
  std::vector<float> logits(logits_ref.size());
  std::vector<double> seq_sum(num_seqs);
  std::vector<int64_t> seq_n(num_seqs);
  flock_batch batch{tokens.data(), mask.data(), offsets.data(), num_seqs};
  flock_forward_output out{0, 0, seq_sum.data(), seq_n.data(), logits.data()};
  CHECK_MSG(flock_forward(m, &batch, &out, &err) == FLOCK_OK, name + ": " + err.message);

  double d2 = 0, r2 = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    d2 += (static_cast<double>(logits[i]) - logits_ref[i]) * (static_cast<double>(logits[i]) - logits_ref[i]);
    r2 += static_cast<double>(logits_ref[i]) * logits_ref[i];
  }
  const double rel_logits = std::sqrt(d2 / r2);
  const double ref_loss = expected["loss_sum"].get<double>();
  const double rel_loss = std::fabs(out.loss_sum - ref_loss) / std::fabs(ref_loss);
  std::printf("  %s (%d threads): logits rel err %.3g, loss rel err %.3g\n", name.c_str(), threads, rel_logits, rel_loss);
  CHECK_MSG(rel_logits < 1e-4, name + ": logits relative error " + std::to_string(rel_logits));
  CHECK_MSG(rel_loss < 1e-4, name + ": loss relative error " + std::to_string(rel_loss));
  CHECK(out.num_targets == expected["num_targets"].get<int64_t>());
  for (int64_t s = 0; s < num_seqs; ++s) {
    const double e = expected["seq_loss_sum"][s].get<double>();
    CHECK_MSG(std::fabs(seq_sum[s] - e) < 1e-4 * std::fabs(e), name + ": sequence " + std::to_string(s) + " loss");
    CHECK(seq_n[s] == expected["seq_num_targets"][s].get<int64_t>());
  }
  flock_model_free(m);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: test_reference FIXTURE_DIR\n");
    return 2;
  }
  g_dir = argv[1];
  const auto cases = flk::read_json_file(g_dir + "/cases.json");
  for (const auto& c : cases) {
    const std::string name = c.get<std::string>();
    check::cases().push_back({strdup(name.c_str()), [name] {
                                check_case(name, 1);
                                check_case(name, 2);
                              }});
  }
  return check::run_all();
}
