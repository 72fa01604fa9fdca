// The backend-agnostic training and evaluation loop: data order, micro-batches,
// gradient accumulation, clipping, AdamW with HF's schedules, evaluation.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backend.hpp"

namespace flk {

// Sequences laid end to end (as in flock_batch), owned.
struct SequenceSet {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> mask;
  std::vector<int64_t> offsets;  // num_seqs + 1
  int64_t size() const { return static_cast<int64_t>(offsets.size()) - 1; }
};

struct TrainOptions {
  LoraConfig lora;
  AdamWConfig adam;
  double lr = 2e-4;
  Schedule schedule = Schedule::kLinear;
  int64_t warmup_steps = 0;
  double warmup_ratio = 0.0;  // used when warmup_steps == 0: ceil(ratio · total)
  int32_t epochs = 1;
  int64_t max_steps = 0;  // > 0: stop after this many optimizer steps (cycling epochs)
  int32_t micro_batch_size = 1;
  int32_t grad_accum = 1;
  double max_grad_norm = 1.0;  // 0 = no clipping
  uint64_t seed = 0;
  bool shuffle = true;
  int64_t eval_batch_tokens = 8192;
  bool eval_before = false;
  std::string init_adapter_dir;
  std::string save_adapter_dir;
  std::string base_model_name;
};

struct Progress {
  const char* phase;  // "train" | "eval"
  int64_t step, total_steps;
  int32_t epoch;
  double loss, lr, grad_norm, tokens_per_s, elapsed_s;
  int64_t tokens_seen;
  int64_t eval_done, eval_total;
};

struct EvalLoss {
  double token_mean = 0;    // Σ loss / Σ targets
  double example_mean = 0;  // mean over examples of each example's mean (HF Trainer, eval batch size 1)
  int64_t targets = 0;
  int64_t examples = 0;         // examples with at least one target
  int64_t skipped_examples = 0; // examples without targets (not in example_mean)
  int64_t tokens = 0;
};

struct TrainResult {
  EvalLoss eval, eval_before;
  bool has_eval_before = false;
  std::vector<double> step_loss, step_lr, step_grad_norm;
  int64_t steps = 0;
  int32_t epochs_started = 0;
  int64_t train_tokens = 0, train_targets = 0;
  double train_seconds = 0, eval_seconds = 0, tokens_per_s = 0;
  int64_t peak_rss_bytes = 0, peak_workspace_bytes = 0;
  int64_t lora_params = 0;
  std::string backend;
};

using ProgressFn = std::function<void(const Progress&)>;

TrainResult train_and_evaluate(Model& model, Backend& backend, const SequenceSet& train, const SequenceSet& eval,
                               const TrainOptions& opts, const ProgressFn& progress, const std::atomic<int32_t>* cancel_flag);

// Evaluation alone (adapter optional).
EvalLoss evaluate(Model& model, Backend& backend, const SequenceSet& eval, const LoraState* lora, int64_t batch_tokens,
                  const CancelCheck& cancel, const std::function<void(int64_t, int64_t)>& on_batch);

// The data order of one epoch: identity, or a Fisher-Yates shuffle from (seed, epoch).
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int32_t epoch, bool shuffle);

int64_t current_rss_bytes();

}  // namespace flk
