// The C ABI: converts C++ exceptions to status codes + messages, and nothing else.
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "capi_internal.hpp"
#include "cpu/cpu_peak.hpp"
#include "error.hpp"
#include "flock_lora.h"
#include "forward.hpp"
#include "model.hpp"

namespace {

using flk::capi::guarded;

void copy_name(char* dst, size_t cap, const std::string& src) {
  std::strncpy(dst, src.c_str(), cap - 1);
  dst[cap - 1] = '\0';
}

}  // namespace

extern "C" {

const char* flock_status_name(flock_status s) {
  switch (s) {
    case FLOCK_OK: return "OK";
    case FLOCK_E_INVALID_ARGUMENT: return "E_INVALID_ARGUMENT";
    case FLOCK_E_IO: return "E_IO";
    case FLOCK_E_FORMAT: return "E_FORMAT";
    case FLOCK_E_CONFIG: return "E_CONFIG";
    case FLOCK_E_UNSUPPORTED: return "E_UNSUPPORTED";
    case FLOCK_E_TENSOR: return "E_TENSOR";
    case FLOCK_E_OUT_OF_MEMORY: return "E_OUT_OF_MEMORY";
    case FLOCK_E_CANCELLED: return "E_CANCELLED";
    case FLOCK_E_DEVICE: return "E_DEVICE";
    case FLOCK_E_NUMERIC: return "E_NUMERIC";
    case FLOCK_E_INTERNAL: return "E_INTERNAL";
  }
  return "E_UNKNOWN";
}

int32_t flock_abi_version(void) { return FLOCK_ABI_VERSION; }

const char* flock_build_info(void) {
  return "flock_lora cpu"
#ifdef __VERSION__
         " (" __VERSION__ ")"
#endif
      ;
}

void flock_cpu_peak_measure(flock_cpu_peak* out) {
  if (out == nullptr) return;
  const flk::cpu::CpuPeak p = flk::cpu::cpu_peak();
  *out = flock_cpu_peak{};
  std::snprintf(out->isa, sizeof(out->isa), "%s", p.isa);
  out->lanes = p.lanes;
  out->fma_units = p.fma_units;
  out->flops_per_cycle = p.flops_per_cycle;
  out->ghz = p.ghz;
  out->fma_gflops_per_core = p.fma_gflops_per_core;
}

flock_status flock_model_load(const char* dir, const flock_load_options* options, flock_model** out, flock_error* err) {
  return guarded(err, [&] {
    if (dir == nullptr || out == nullptr) flk::fail(FLOCK_E_INVALID_ARGUMENT, "flock_model_load: dir and out are required");
    *out = nullptr;
    const std::string device = options != nullptr && options->device != nullptr ? options->device : "cpu";
    if (device != "cpu") flk::fail(FLOCK_E_INVALID_ARGUMENT, "weights are read into host memory: load device must be 'cpu' (runs choose their device)");
    const int threads = options != nullptr ? options->num_threads : 0;
    if (threads < 0 || threads > 1024) flk::fail(FLOCK_E_INVALID_ARGUMENT, "num_threads must be between 0 and 1024");
    auto handle = new flock_model{flk::load_model(dir, threads)};
    *out = handle;
  }, std::string("loading the model in ") + (dir != nullptr ? dir : "(null)"));
}

void flock_model_free(flock_model* model) { delete model; }

flock_status flock_model_get_info(const flock_model* model, flock_model_info* o, flock_error* err) {
  return guarded(err, [&] {
    if (model == nullptr || o == nullptr) flk::fail(FLOCK_E_INVALID_ARGUMENT, "flock_model_get_info: model and out are required");
    const flk::Model& m = *model->impl;
    const flk::ModelConfig& c = m.config;
    std::memset(o, 0, sizeof(*o));
    copy_name(o->architecture, sizeof(o->architecture), c.architecture);
    copy_name(o->model_type, sizeof(o->model_type), c.model_type);
    copy_name(o->weight_dtype, sizeof(o->weight_dtype), flk::dtype_name(m.weights.main_dtype));
    o->vocab_size = c.vocab_size;
    o->hidden_size = c.hidden_size;
    o->intermediate_size = c.intermediate_size;
    o->num_layers = c.num_layers;
    o->num_heads = c.num_heads;
    o->num_kv_heads = c.num_kv_heads;
    o->head_dim = c.head_dim;
    o->max_position_embeddings = c.max_position_embeddings;
    o->sliding_window = c.sliding_window;
    o->tie_word_embeddings = c.tie_word_embeddings;
    o->attention_bias = c.attention_bias;
    o->o_bias = c.o_bias;
    o->mlp_bias = c.mlp_bias;
    o->rms_norm_eps = c.rms_norm_eps;
    o->rope_theta = c.rope.theta;
    copy_name(o->rope_type, sizeof(o->rope_type), c.rope.type);
    o->rope_factor = c.rope.factor;
    o->rope_low_freq_factor = c.rope.low_freq_factor;
    o->rope_high_freq_factor = c.rope.high_freq_factor;
    o->rope_original_max_position = c.rope.original_max_position;
    o->num_parameters = m.weights.num_parameters;
    o->weight_bytes = m.weights.weight_bytes;
    o->num_threads = m.pool->size();
  });
}

flock_status flock_forward(flock_model* model, const flock_batch* batch, flock_forward_output* out, flock_error* err) {
  return guarded(err, [&] {
    if (model == nullptr || batch == nullptr || out == nullptr)
      flk::fail(FLOCK_E_INVALID_ARGUMENT, "flock_forward: model, batch and out are required");
    flk::Model& m = *model->impl;
    const flk::Batch b = flk::make_batch(batch->tokens, batch->loss_mask, batch->seq_offsets, batch->num_seqs, m.config.vocab_size);
    std::lock_guard<std::mutex> lock(m.busy);
    const flk::LossTotals r = flk::forward_loss(m, b, out->logits);
    out->loss_sum = r.loss_sum;
    out->num_targets = r.num_targets;
    for (int64_t s = 0; s < b.num_seqs; ++s) {
      if (out->seq_loss_sum != nullptr) out->seq_loss_sum[s] = r.seq_loss_sum[s];
      if (out->seq_num_targets != nullptr) out->seq_num_targets[s] = r.seq_num_targets[s];
    }
  });
}

}  // extern "C"
