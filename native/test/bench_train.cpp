// One training run on a model folder through the C ABI, for profiling (not a test):
//   bench_train MODEL_DIR [tokens=512] [steps=2] [threads=2]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "flock_lora.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_train MODEL_DIR [tokens] [steps] [threads]\n");
    return 2;
  }
  const int64_t T = argc > 2 ? std::atoll(argv[2]) : 512;
  const int64_t steps = argc > 3 ? std::atoll(argv[3]) : 2;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 2;
  flock_model* m = nullptr;
  flock_error err{};
  flock_load_options lo{"cpu", threads};
  if (flock_model_load(argv[1], &lo, &m, &err) != FLOCK_OK) {
    std::fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  flock_model_info info{};
  flock_model_get_info(m, &info, &err);
  std::mt19937 rng(1);
  std::vector<int32_t> tok(T);
  std::vector<uint8_t> mask(T);
  for (int64_t i = 0; i < T; ++i) {
    tok[i] = static_cast<int32_t>(rng() % info.vocab_size);
    mask[i] = i >= T / 4;
  }
  std::vector<int64_t> off = {0, T};
  flock_train_request rq{};
  rq.train = flock_batch{tok.data(), mask.data(), off.data(), 1};
  rq.eval = rq.train;
  rq.lora = flock_lora_config{FLOCK_TARGET_ALL_LINEAR, 16, 32, 0, 0.0, 0};
  flock_train_config& c = rq.config;
  c.lr = 2e-4;
  c.epochs = 1;
  c.max_steps = steps;
  c.micro_batch_size = 1;
  c.grad_accum = 1;
  c.max_grad_norm = 1.0;
  c.beta1 = 0.9;
  c.beta2 = 0.999;
  c.eps = 1e-8;
  c.eval_batch_tokens = 8192;
  c.shuffle = 1;
  flock_train_result r{};
  if (flock_train_and_evaluate(m, &rq, &r, &err) != FLOCK_OK) {
    std::fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  std::printf("train %lld tokens in %.2f s = %.1f tokens/s; eval %lld tokens in %.2f s = %.1f tokens/s; workspace %.0f MB, rss %.0f MB\n",
              static_cast<long long>(r.train_tokens), r.train_seconds, r.tokens_per_s, static_cast<long long>(r.eval.tokens),
              r.eval_seconds, r.eval.tokens / r.eval_seconds, r.peak_workspace_bytes / 1e6, r.peak_rss_bytes / 1e6);
  flock_train_result_free(&r);
  flock_model_free(m);
  return 0;
}
