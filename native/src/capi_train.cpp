// C ABI of training: converts the plain request structs and calls the trainer.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "backend.hpp"
#include "backend_select.hpp"
#include "capi_internal.hpp"
#include "error.hpp"
#include "trainer.hpp"

namespace {

flk::SequenceSet copy_set(const flock_batch& b, const char* what, int32_t vocab) {
  if (b.tokens == nullptr || b.seq_offsets == nullptr || b.loss_mask == nullptr || b.num_seqs < 1)
    flk::fail(FLOCK_E_INVALID_ARGUMENT, std::string(what) + ": tokens, loss_mask and at least one sequence are required");
  // make_batch validates offsets and token ids
  (void)flk::make_batch(b.tokens, b.loss_mask, b.seq_offsets, b.num_seqs, vocab);
  flk::SequenceSet s;
  const int64_t T = b.seq_offsets[b.num_seqs];
  s.tokens.assign(b.tokens, b.tokens + T);
  s.mask.assign(b.loss_mask, b.loss_mask + T);
  s.offsets.assign(b.seq_offsets, b.seq_offsets + b.num_seqs + 1);
  return s;
}

double* copy_out(const std::vector<double>& v) {
  auto* p = static_cast<double*>(std::malloc(sizeof(double) * (v.empty() ? 1 : v.size())));
  if (p == nullptr) throw std::bad_alloc();
  if (!v.empty()) std::memcpy(p, v.data(), sizeof(double) * v.size());
  return p;
}

flock_eval_loss to_c(const flk::EvalLoss& e) {
  return flock_eval_loss{e.token_mean, e.example_mean, e.targets, e.examples, e.skipped_examples, e.tokens};
}

}  // namespace

extern "C" {

flock_status flock_train_and_evaluate(flock_model* model, const flock_train_request* rq, flock_train_result* out, flock_error* err) {
  return flk::capi::guarded(err, [&] {
    if (model == nullptr || rq == nullptr || out == nullptr)
      flk::fail(FLOCK_E_INVALID_ARGUMENT, "flock_train_and_evaluate: model, request and out are required");
    std::memset(out, 0, sizeof(*out));
    flk::Model& m = flk::capi::model_of(model);
    const flk::SequenceSet train = copy_set(rq->train, "train", m.config.vocab_size);
    const flk::SequenceSet eval = copy_set(rq->eval, "eval", m.config.vocab_size);
    const flock_train_config& c = rq->config;
    flk::TrainOptions o;
    o.lora.targets = rq->lora.targets;
    o.lora.rank = rq->lora.rank;
    o.lora.alpha = rq->lora.alpha;
    o.lora.rslora = rq->lora.use_rslora != 0;
    o.lora.dropout = rq->lora.dropout;
    o.lora.gaussian_init = rq->lora.gaussian_init != 0;
    o.lr = c.lr;
    if (c.schedule < FLOCK_SCHEDULE_LINEAR || c.schedule > FLOCK_SCHEDULE_CONSTANT)
      flk::fail(FLOCK_E_INVALID_ARGUMENT, "unknown schedule " + std::to_string(c.schedule));
    o.schedule = c.schedule == FLOCK_SCHEDULE_LINEAR ? flk::Schedule::kLinear
                 : c.schedule == FLOCK_SCHEDULE_COSINE ? flk::Schedule::kCosine
                                                       : flk::Schedule::kConstant;
    o.warmup_steps = c.warmup_steps;
    o.warmup_ratio = c.warmup_ratio;
    o.epochs = c.epochs;
    o.max_steps = c.max_steps;
    o.micro_batch_size = c.micro_batch_size;
    o.grad_accum = c.grad_accum;
    o.max_grad_norm = c.max_grad_norm;
    o.adam = flk::AdamWConfig{c.beta1, c.beta2, c.eps, c.weight_decay};
    o.seed = c.seed;
    o.shuffle = c.shuffle != 0;
    o.eval_batch_tokens = c.eval_batch_tokens;
    o.eval_before = c.eval_before != 0;
    if (rq->init_adapter_dir != nullptr) o.init_adapter_dir = rq->init_adapter_dir;
    if (rq->save_adapter_dir != nullptr) o.save_adapter_dir = rq->save_adapter_dir;
    o.base_model_name = rq->base_model_name != nullptr ? rq->base_model_name : m.dir;
    flk::ProgressFn progress;
    if (rq->progress != nullptr) {
      progress = [rq](const flk::Progress& p) {
        const flock_progress cp{p.phase, p.step, p.total_steps, p.epoch, p.loss, p.lr, p.grad_norm, p.tokens_per_s, p.elapsed_s,
                                p.tokens_seen, p.eval_done, p.eval_total};
        rq->progress(rq->progress_user, &cp);
      };
    }
    static_assert(sizeof(std::atomic<int32_t>) == sizeof(int32_t), "atomic<int32_t> must be layout-compatible with int32_t");
    const auto* cancel = reinterpret_cast<const std::atomic<int32_t>*>(rq->cancel_flag);
    std::lock_guard<std::mutex> lock(m.busy);
    const flk::BackendChoice choice = flk::select_backend(m, rq->device != nullptr ? rq->device : "cpu",
                                                          rq->precision != nullptr ? rq->precision : "default");
    const flk::TrainResult r = flk::train_and_evaluate(m, *choice.backend, train, eval, o, progress, cancel);
    std::strncpy(out->device, choice.backend->name().c_str(), sizeof(out->device) - 1);
    std::strncpy(out->device_note, choice.note.c_str(), sizeof(out->device_note) - 1);
    out->eval = to_c(r.eval);
    out->eval_before = to_c(r.eval_before);
    out->has_eval_before = r.has_eval_before;
    out->steps = r.steps;
    out->epochs_started = r.epochs_started;
    out->train_tokens = r.train_tokens;
    out->train_targets = r.train_targets;
    out->train_seconds = r.train_seconds;
    out->eval_seconds = r.eval_seconds;
    out->tokens_per_s = r.tokens_per_s;
    out->peak_rss_bytes = r.peak_rss_bytes;
    out->peak_workspace_bytes = r.peak_workspace_bytes;
    out->lora_params = r.lora_params;
    std::strncpy(out->backend, choice.device == "cpu" ? "cpu" : "cuda", sizeof(out->backend) - 1);
    out->step_loss = copy_out(r.step_loss);
    out->step_lr = copy_out(r.step_lr);
    out->step_grad_norm = copy_out(r.step_grad_norm);
  });
}

int32_t flock_cuda_devices(char* why, size_t cap) {
  std::string reason;
  const int n = flk::cuda_device_count(&reason);
  if (why != nullptr && cap > 0) {
    std::strncpy(why, reason.c_str(), cap - 1);
    why[cap - 1] = '\0';
  }
  return n;
}

void flock_train_result_free(flock_train_result* r) {
  if (r == nullptr) return;
  std::free(r->step_loss);
  std::free(r->step_lr);
  std::free(r->step_grad_norm);
  r->step_loss = r->step_lr = r->step_grad_norm = nullptr;
}

}  // extern "C"
