#include "trainer.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>

#include "error.hpp"
#include "rng.hpp"

namespace flk {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Gathers the listed sequences of `set` into one packed batch.
struct Gathered {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> mask;
  std::vector<int64_t> offsets{0};
};

Gathered gather(const SequenceSet& set, const int64_t* idx, int64_t n) {
  Gathered g;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t s = idx[i], b = set.offsets[s], e = set.offsets[s + 1];
    g.tokens.insert(g.tokens.end(), set.tokens.begin() + b, set.tokens.begin() + e);
    g.mask.insert(g.mask.end(), set.mask.begin() + b, set.mask.begin() + e);
    g.offsets.push_back(static_cast<int64_t>(g.tokens.size()));
  }
  return g;
}

int64_t count_targets(const SequenceSet& set, int64_t s) {
  int64_t n = 0;
  for (int64_t t = set.offsets[s] + 1; t < set.offsets[s + 1]; ++t) n += set.mask[t] != 0;
  return n;
}

void validate_options(const TrainOptions& o, const SequenceSet& train) {
  auto bad = [](const std::string& m) { fail(FLOCK_E_INVALID_ARGUMENT, m); };
  if (!(o.lr > 0) || !std::isfinite(o.lr)) bad("lr must be a positive number");
  if (o.epochs < 1 && o.max_steps < 1) bad("epochs must be at least 1 (or max_steps set)");
  if (o.micro_batch_size < 1) bad("micro_batch_size must be at least 1");
  if (o.grad_accum < 1) bad("grad_accum must be at least 1");
  if (o.max_grad_norm < 0) bad("max_grad_norm must be >= 0");
  if (o.warmup_steps < 0 || o.warmup_ratio < 0 || o.warmup_ratio > 1) bad("warmup must be >= 0 (ratio at most 1)");
  if (!(o.adam.beta1 >= 0 && o.adam.beta1 < 1) || !(o.adam.beta2 >= 0 && o.adam.beta2 < 1)) bad("adam betas must be in [0, 1)");
  if (!(o.adam.eps > 0)) bad("adam eps must be positive");
  if (o.adam.weight_decay < 0) bad("weight_decay must be >= 0");
  if (o.eval_batch_tokens < 1) bad("eval_batch_tokens must be at least 1");
  if (train.size() < 1) bad("the training set is empty");
  for (int64_t s = 0; s < train.size(); ++s)
    if (count_targets(train, s) == 0) bad("training sequence " + std::to_string(s) + " has no target tokens");
}

}  // namespace

int64_t current_rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages_total = 0, pages_rss = 0;
  const int n = std::fscanf(f, "%ld %ld", &pages_total, &pages_rss);
  std::fclose(f);
  return n == 2 ? static_cast<int64_t>(pages_rss) * sysconf(_SC_PAGESIZE) : 0;
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int32_t epoch, bool shuffle) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (!shuffle) return order;
  SplitMix64 rng(derive_key(seed, 0x44617461 /* "Data" */, static_cast<uint64_t>(epoch)));
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(static_cast<uint64_t>(i + 1))]);
  return order;
}

EvalLoss evaluate(Model& model, Backend& backend, const SequenceSet& eval, const LoraState* lora, int64_t batch_tokens,
                  const CancelCheck& cancel, const std::function<void(int64_t, int64_t)>& on_batch) {
  EvalLoss r;
  double loss_sum = 0, example_sum = 0;
  std::vector<float> loss;
  const int64_t n = eval.size();
  std::vector<int64_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  for (int64_t s0 = 0; s0 < n;) {
    // as many whole sequences as fit in batch_tokens (at least one)
    int64_t s1 = s0 + 1;
    while (s1 < n && eval.offsets[s1 + 1] - eval.offsets[s0] <= batch_tokens) ++s1;
    cancel();
    const Gathered g = gather(eval, idx.data() + s0, s1 - s0);
    const Batch b = make_batch(g.tokens.data(), g.mask.data(), g.offsets.data(), s1 - s0, model.config.vocab_size);
    backend.eval_batch(b, lora, loss, cancel);
    // per-sequence sums in token order
    for (int64_t s = 0; s < b.num_seqs; ++s) {
      double seq_sum = 0;
      int64_t seq_n = 0;
      for (int64_t t = b.offsets[s]; t < b.offsets[s + 1]; ++t)
        if (b.targets[t] >= 0) seq_sum += loss[t], ++seq_n;
      r.tokens += b.offsets[s + 1] - b.offsets[s];
      if (seq_n == 0) {
        ++r.skipped_examples;
        continue;
      }
      loss_sum += seq_sum;
      r.targets += seq_n;
      example_sum += seq_sum / static_cast<double>(seq_n);
      ++r.examples;
    }
    s0 = s1;
    if (on_batch) on_batch(s0, n);
  }
  if (r.targets == 0) fail(FLOCK_E_INVALID_ARGUMENT, "the evaluation set has no target tokens");
  r.token_mean = loss_sum / static_cast<double>(r.targets);
  r.example_mean = example_sum / static_cast<double>(r.examples);
  return r;
}

TrainResult train_and_evaluate(Model& model, Backend& backend, const SequenceSet& train, const SequenceSet& eval,
                               const TrainOptions& o, const ProgressFn& progress, const std::atomic<int32_t>* cancel_flag) {
  validate_options(o, train);
  const CancelCheck cancel = [cancel_flag] {
    if (cancel_flag != nullptr && cancel_flag->load(std::memory_order_relaxed) != 0) fail(FLOCK_E_CANCELLED, "the run was cancelled");
  };
  TrainResult res;
  res.backend = backend.name();
  LoraState lora(model.config, o.lora);
  res.lora_params = lora.num_params();
  if (o.init_adapter_dir.empty()) lora.init(o.seed);
  else lora.load_peft(o.init_adapter_dir);
  std::optional<AttachedLora> attached(std::in_place, backend, lora);

  const int64_t n = train.size();
  const int64_t mbs_per_epoch = (n + o.micro_batch_size - 1) / o.micro_batch_size;
  const int64_t steps_per_epoch = (mbs_per_epoch + o.grad_accum - 1) / o.grad_accum;
  const int64_t total_steps = o.max_steps > 0 ? o.max_steps : steps_per_epoch * o.epochs;
  const int64_t warmup = o.warmup_steps > 0 ? o.warmup_steps : static_cast<int64_t>(std::ceil(o.warmup_ratio * total_steps));
  auto sample_rss = [&] { res.peak_rss_bytes = std::max(res.peak_rss_bytes, current_rss_bytes()); };

  if (o.eval_before) {
    res.eval_before = evaluate(model, backend, eval, &lora, o.eval_batch_tokens, cancel, nullptr);
    res.has_eval_before = true;
  }

  const auto t0 = Clock::now();
  std::vector<float> loss;
  int64_t step = 0, mb_global = 0;
  for (int32_t epoch = 0; step < total_steps; ++epoch) {
    res.epochs_started = epoch + 1;
    const std::vector<int64_t> order = epoch_order(n, o.seed, epoch, o.shuffle);
    for (int64_t mb0 = 0; mb0 < mbs_per_epoch && step < total_steps; mb0 += o.grad_accum) {
      const int64_t mb1 = std::min(mbs_per_epoch, mb0 + o.grad_accum);
      // HF's loss for an accumulated step: Σ token losses over all its micro-batches / their target count.
      int64_t step_targets = 0;
      for (int64_t i = mb0 * o.micro_batch_size; i < std::min(n, mb1 * o.micro_batch_size); ++i) step_targets += count_targets(train, order[i]);
      const float grad_scale = static_cast<float>(1.0 / static_cast<double>(step_targets));
      backend.zero_grads(lora);
      double step_loss = 0;
      for (int64_t mb = mb0; mb < mb1; ++mb, ++mb_global) {
        cancel();
        const int64_t i0 = mb * o.micro_batch_size, i1 = std::min(n, i0 + o.micro_batch_size);
        const Gathered g = gather(train, order.data() + i0, i1 - i0);
        const Batch b = make_batch(g.tokens.data(), g.mask.data(), g.offsets.data(), i1 - i0, model.config.vocab_size);
        backend.train_micro_batch(b, lora, grad_scale, derive_key(o.seed, 0x4d696372 /* "Micr" */, static_cast<uint64_t>(mb_global)),
                                  loss, cancel);
        sample_rss();
        for (int64_t t = 0; t < b.T; ++t)
          if (b.targets[t] >= 0) step_loss += loss[t];
        res.train_tokens += b.T;
      }
      res.train_targets += step_targets;
      step_loss /= static_cast<double>(step_targets);
      const double gnorm = std::sqrt(backend.grad_sq_norm(lora));
      if (!std::isfinite(step_loss) || !std::isfinite(gnorm))
        fail(FLOCK_E_NUMERIC, "step " + std::to_string(step + 1) + ": the training loss or gradient norm is not finite (loss " +
                                  std::to_string(step_loss) + ", grad norm " + std::to_string(gnorm) + ")");
      // torch.nn.utils.clip_grad_norm_: scale by min(1, max_norm / (norm + 1e-6))
      float coef = 1.0f;
      if (o.max_grad_norm > 0) coef = static_cast<float>(std::min(1.0, o.max_grad_norm / (gnorm + 1e-6)));
      const double lr = o.lr * lr_factor(o.schedule, step, warmup, total_steps);
      backend.optimizer_step(lora, o.adam, lr, step + 1, coef);
      ++step;
      res.step_loss.push_back(step_loss);
      res.step_lr.push_back(lr);
      res.step_grad_norm.push_back(gnorm);
      if (progress) {
        const double el = seconds_since(t0);
        progress(Progress{"train", step, total_steps, epoch, step_loss, lr, gnorm,
                          el > 0 ? static_cast<double>(res.train_tokens) / el : 0.0, el, res.train_tokens, 0, 0});
      }
    }
  }
  res.steps = step;
  res.train_seconds = seconds_since(t0);
  res.tokens_per_s = res.train_seconds > 0 ? static_cast<double>(res.train_tokens) / res.train_seconds : 0.0;

  const auto t1 = Clock::now();
  res.eval = evaluate(model, backend, eval, &lora, o.eval_batch_tokens, cancel, [&](int64_t done, int64_t total) {
    sample_rss();
    if (progress)
      progress(Progress{"eval", step, total_steps, res.epochs_started - 1, 0, 0, 0, 0, seconds_since(t1), 0, done, total});
  });
  res.eval_seconds = seconds_since(t1);
  res.peak_workspace_bytes = backend.peak_workspace_bytes();
  attached.reset();  // parameters back on the host
  if (!o.save_adapter_dir.empty()) lora.save_peft(o.save_adapter_dir, o.base_model_name);
  return res;
}

}  // namespace flk
