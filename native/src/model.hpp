// A loaded base model: config, mapped frozen weights, rotary frequencies and a thread pool.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model_config.hpp"
#include "thread_pool.hpp"
#include "weights.hpp"

namespace flk {

struct Model {
  std::string dir;
  ModelConfig config;
  ModelWeights weights;
  std::vector<float> inv_freq;  // [head_dim / 2], rope scaling applied
  std::unique_ptr<ThreadPool> pool;
  std::mutex busy;  // one computation at a time per model handle
  // Backends created for this model, per "device/precision" (device weights live there).
  std::map<std::string, std::shared_ptr<class Backend>> backends;
  std::mutex backends_mu;
  ~Model();
};

std::unique_ptr<Model> load_model(const std::string& dir, int num_threads);

// HF's inverse rotary frequencies (default or llama3-scaled), rounded to fp32 as HF keeps them.
std::vector<float> rope_inv_freq(const ModelConfig& c);

// A validated batch with the per-token bookkeeping layers need.
struct Batch {
  int64_t T = 0;
  int64_t num_seqs = 0;
  const int32_t* tokens = nullptr;
  std::vector<int64_t> offsets;    // [num_seqs + 1]
  std::vector<int32_t> positions;  // [T]
  std::vector<int64_t> seq_start;  // [T]
  std::vector<int64_t> seq_end;    // [T]
  std::vector<int32_t> targets;    // [T]: next token when it is a target, else -1
  std::vector<int64_t> token_seq;  // [T]: sequence index
  int32_t max_len = 0;
};

// Checks offsets, token ids and the mask; throws E_INVALID_ARGUMENT naming the problem.
Batch make_batch(const int32_t* tokens, const uint8_t* loss_mask, const int64_t* offsets, int64_t num_seqs, int32_t vocab);

}  // namespace flk
