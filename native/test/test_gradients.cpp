// Finite-difference check of the gradient of every LoRA tensor (A and B of all
// seven targets in every layer) on the tiny reference models.
//
// Tolerance: the core computes in fp32. With central differences at step h the
// estimate carries truncation error O(h²) and rounding error ≈ ε₃₂·|L|/h; for
// |L| ≈ 10 (a mean over a few tokens scaled by 1/N is ≈ 6), ε₃₂ = 6e-8 and h = 3e-3
// that is ≈ 2e-4 absolute against gradients of norm ≈ 1e-1 per tensor, so the
// norm-relative error over the sampled entries stays below 1e-2 for a correct
// gradient, while a wrong one (sign, missing term, wrong scale) is off by O(1).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "backend.hpp"
#include "check.hpp"
#include "model.hpp"

namespace {
std::string g_models;

flk::Batch tiny_batch(int32_t vocab, std::vector<int32_t>& tok, std::vector<uint8_t>& mask, std::vector<int64_t>& off) {
  std::mt19937 rng(7);
  off = {0, 9, 20};
  tok.resize(20);
  mask.resize(20);
  for (int i = 0; i < 20; ++i) {
    tok[i] = static_cast<int32_t>(rng() % vocab);
    mask[i] = (i % 9 != 0) && (rng() % 4 != 0);
  }
  return flk::make_batch(tok.data(), mask.data(), off.data(), 2, vocab);
}

void check_model(const std::string& name, double dropout) {
  auto model = flk::load_model(g_models + "/" + name, 2);
  auto backend = flk::make_cpu_backend(*model);
  flk::LoraConfig lc;
  lc.targets = 0x7f;
  lc.rank = 3;
  lc.alpha = 6;
  lc.dropout = dropout;
  flk::LoraState lora(model->config, lc);
  lora.init(11);
  // B starts at zero in PEFT; make it non-zero so every A gradient is non-trivial.
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 0.05f);
  for (int l = 0; l < lora.num_layers(); ++l)
    for (int t = 0; t < flk::kNumTargets; ++t) {
      const auto& m = lora.module(l, t);
      for (int64_t i = 0; i < m.out * lc.rank; ++i) lora.params[m.b_offset + i] = nd(rng);
    }
  std::vector<int32_t> tok;
  std::vector<uint8_t> mask;
  std::vector<int64_t> off;
  const flk::Batch b = tiny_batch(model->config.vocab_size, tok, mask, off);
  const uint64_t seed = 99;
  std::vector<float> loss;
  const flk::CancelCheck none = [] {};
  backend->zero_grads(lora);
  backend->train_micro_batch(b, lora, 1.0f, seed, loss, none);
  const std::vector<float> grads = lora.grads;
  // The same dropout masks are drawn for the same seed, so the training forward is the loss function.
  auto total = [&] {
    backend->train_micro_batch(b, lora, 0.0f, seed, loss, none);
    double s = 0;
    for (int64_t t = 0; t < b.T; ++t)
      if (b.targets[t] >= 0) s += loss[t];
    return s;
  };
  const float h = 3e-3f;
  double worst = 0;
  for (int l = 0; l < lora.num_layers(); ++l)
    for (int t = 0; t < flk::kNumTargets; ++t)
      for (int ab = 0; ab < 2; ++ab) {
        const auto& m = lora.module(l, t);
        const int64_t off0 = ab == 0 ? m.a_offset : m.b_offset;
        const int64_t n = ab == 0 ? lc.rank * m.in : m.out * lc.rank;
        double num2 = 0, diff2 = 0;
        for (int64_t k = 0; k < 8; ++k) {
          const int64_t i = off0 + (k * 7919) % n;
          const float keep = lora.params[i];
          lora.params[i] = keep + h;
          const double lp = total();
          lora.params[i] = keep - h;
          const double lm = total();
          lora.params[i] = keep;
          const double fd = (lp - lm) / (2.0 * h);
          num2 += fd * fd;
          diff2 += (fd - grads[i]) * (fd - grads[i]);
        }
        const double rel = std::sqrt(diff2 / (num2 + 1e-20));
        worst = std::max(worst, rel);
        CHECK_MSG(rel < 1e-2, name + " layer " + std::to_string(l) + " " + flk::target_name(t) + (ab ? ".lora_B" : ".lora_A") +
                                  ": relative error " + std::to_string(rel));
      }
  std::printf("  %s (dropout %.2f): worst relative error over %d tensors %.2e\n", name.c_str(), dropout,
              lora.num_layers() * flk::kNumTargets * 2, worst);
}
}  // namespace

TEST_CASE("LoRA gradients, Qwen2 (bias, tied head)") { check_model("qwen2-tied-f32", 0.0); }
TEST_CASE("LoRA gradients, Llama (GQA 4:1, llama3 rope)") { check_model("llama-gqa-llama3-sharded-f32", 0.0); }
TEST_CASE("LoRA gradients with dropout, Mistral (sliding window, BF16)") { check_model("mistral-window-bf16", 0.2); }

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: test_gradients MODEL_ROOT\n");
    return 2;
  }
  g_models = argv[1];
  return check::run_all();
}
