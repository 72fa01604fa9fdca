#include "model.hpp"

#include <cmath>

#include "backend.hpp"
#include "error.hpp"

namespace flk {

std::vector<float> rope_inv_freq(const ModelConfig& c) {
  const int64_t half = c.head_dim / 2;
  std::vector<float> inv(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) {
    const double exponent = static_cast<double>(static_cast<float>(2 * i) / static_cast<float>(c.head_dim));
    inv[i] = static_cast<float>(1.0 / std::pow(c.rope.theta, exponent));
  }
  if (c.rope.type == "llama3") {
    const double old_ctx = c.rope.original_max_position;
    const double low_wavelen = old_ctx / c.rope.low_freq_factor;
    const double high_wavelen = old_ctx / c.rope.high_freq_factor;
    for (auto& f : inv) {
      const double wavelen = 2.0 * M_PI / f;
      double scaled = wavelen > low_wavelen ? f / c.rope.factor : f;
      const bool medium = !(wavelen < high_wavelen) && !(wavelen > low_wavelen);
      if (medium) {
        const double smooth = (old_ctx / wavelen - c.rope.low_freq_factor) / (c.rope.high_freq_factor - c.rope.low_freq_factor);
        scaled = (1.0 - smooth) * scaled / c.rope.factor + smooth * scaled;
      }
      f = static_cast<float>(scaled);
    }
  }
  return inv;
}

// Backends (device memory included) go before the weights they were made from.
Model::~Model() { backends.clear(); }

std::unique_ptr<Model> load_model(const std::string& dir, int num_threads) {
  auto m = std::make_unique<Model>();
  m->dir = dir;
  m->config = load_model_config(dir + "/config.json");
  m->weights = load_weights(dir, m->config);
  m->inv_freq = rope_inv_freq(m->config);
  m->pool = std::make_unique<ThreadPool>(num_threads);
  return m;
}

Batch make_batch(const int32_t* tokens, const uint8_t* loss_mask, const int64_t* offsets, int64_t num_seqs, int32_t vocab) {
  if (tokens == nullptr || offsets == nullptr) fail(FLOCK_E_INVALID_ARGUMENT, "batch: tokens and seq_offsets are required");
  if (num_seqs < 1) fail(FLOCK_E_INVALID_ARGUMENT, "batch: needs at least one sequence");
  if (offsets[0] != 0) fail(FLOCK_E_INVALID_ARGUMENT, "batch: seq_offsets[0] must be 0");
  Batch b;
  b.num_seqs = num_seqs;
  b.tokens = tokens;
  b.offsets.assign(offsets, offsets + num_seqs + 1);
  for (int64_t s = 0; s < num_seqs; ++s) {
    const int64_t len = offsets[s + 1] - offsets[s];
    if (len < 1) fail(FLOCK_E_INVALID_ARGUMENT, "batch: sequence " + std::to_string(s) + " is empty or seq_offsets decrease");
    if (len > (1 << 20)) fail(FLOCK_E_INVALID_ARGUMENT, "batch: sequence " + std::to_string(s) + " is longer than 2^20 tokens");
    b.max_len = std::max<int32_t>(b.max_len, static_cast<int32_t>(len));
  }
  b.T = offsets[num_seqs];
  b.positions.resize(b.T);
  b.seq_start.resize(b.T);
  b.seq_end.resize(b.T);
  b.targets.assign(b.T, -1);
  b.token_seq.resize(b.T);
  for (int64_t s = 0; s < num_seqs; ++s) {
    for (int64_t t = offsets[s]; t < offsets[s + 1]; ++t) {
      if (tokens[t] < 0 || tokens[t] >= vocab)
        fail(FLOCK_E_INVALID_ARGUMENT, "batch: token " + std::to_string(t) + " has id " + std::to_string(tokens[t]) +
                                           ", outside the vocabulary [0, " + std::to_string(vocab) + ")");
      b.positions[t] = static_cast<int32_t>(t - offsets[s]);
      b.seq_start[t] = offsets[s];
      b.seq_end[t] = offsets[s + 1];
      b.token_seq[t] = s;
      if (loss_mask != nullptr && t + 1 < offsets[s + 1] && loss_mask[t + 1] != 0) b.targets[t] = tokens[t + 1];
    }
  }
  return b;
}

}  // namespace flk
