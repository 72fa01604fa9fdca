#include "weights.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "error.hpp"

namespace flk {

const float* Weight::rows_f32(int64_t r0, int64_t n, float* scratch) const {
  if (!owned.empty()) return owned.data() + r0 * cols;
  if (dtype == DType::F32) return reinterpret_cast<const float*>(data) + r0 * cols;
  to_f32(dtype, data + static_cast<size_t>(r0 * cols) * dtype_size(dtype), scratch, static_cast<size_t>(n * cols));
  return scratch;
}

const float* Weight::segment_f32(int64_t r, int64_t c0, int64_t n, float* scratch) const {
  const int64_t off = r * cols + c0;
  if (!owned.empty()) return owned.data() + off;
  if (dtype == DType::F32) return reinterpret_cast<const float*>(data) + off;
  to_f32(dtype, data + static_cast<size_t>(off) * dtype_size(dtype), scratch, static_cast<size_t>(n));
  return scratch;
}

namespace {

struct Loader {
  const Checkpoint& ckpt;
  ModelWeights& mw;
  std::map<DType, int64_t> bytes_by_dtype;

  Weight matrix(const std::string& name, int64_t rows, int64_t cols) {
    const TensorView& t = ckpt.require(name, {rows, cols});
    Weight w;
    w.name = name;
    w.dtype = t.dtype;
    w.data = t.data;
    w.rows = rows;
    w.cols = cols;
    if (reinterpret_cast<uintptr_t>(t.data) % dtype_size(t.dtype) != 0) {
      w.owned.resize(static_cast<size_t>(rows * cols));
      to_f32(t.dtype, t.data, w.owned.data(), w.owned.size());
    }
    count(t);
    return w;
  }

  std::vector<float> vector(const std::string& name, int64_t n) {
    const TensorView& t = ckpt.require(name, {n});
    std::vector<float> v(static_cast<size_t>(n));
    to_f32(t.dtype, t.data, v.data(), v.size());
    count(t);
    return v;
  }

  Linear linear(const std::string& prefix, int64_t out, int64_t in, bool bias) {
    Linear l;
    l.w = matrix(prefix + ".weight", out, in);
    if (bias) l.bias = vector(prefix + ".bias", out);
    else if (ckpt.has(prefix + ".bias"))
      fail(FLOCK_E_TENSOR, ckpt.describe() + ": unexpected tensor '" + prefix + ".bias'; config.json says this projection has no bias");
    return l;
  }

  void count(const TensorView& t) {
    mw.num_parameters += t.numel();
    mw.weight_bytes += static_cast<int64_t>(t.nbytes);
    bytes_by_dtype[t.dtype] += static_cast<int64_t>(t.nbytes);
  }
};

// config.json's layer count against the layers the checkpoint holds, before anything is sized
// from it: a config asking for millions of layers over two layers of weights is refused here.
void check_layer_count(const Checkpoint& ckpt, const ModelConfig& c, const std::string& dir) {
  static const std::string prefix = "model.layers.";
  int64_t held = 0;  // 1 + the highest layer index among the tensor names
  for (const auto& kv : ckpt.index()) {
    const std::string& name = kv.first;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    size_t i = prefix.size();
    int64_t index = 0;
    while (i < name.size() && name[i] >= '0' && name[i] <= '9') {
      index = std::min<int64_t>(index * 10 + (name[i] - '0'), int64_t{1} << 40);
      ++i;
    }
    if (i == prefix.size() || i >= name.size() || name[i] != '.') continue;
    held = std::max(held, index + 1);
  }
  if (held != c.num_layers)
    fail(FLOCK_E_CONFIG, dir + "/config.json: field 'num_hidden_layers' is " + std::to_string(c.num_layers) + " but " + ckpt.describe() +
                             " holds " + std::to_string(held) + " layer(s) (model.layers.0 to model.layers." + std::to_string(held - 1) + ")");
}

}  // namespace

ModelWeights load_weights(const std::string& dir, const ModelConfig& c) {
  ModelWeights mw;
  mw.checkpoint = std::make_unique<Checkpoint>(dir);
  check_layer_count(*mw.checkpoint, c, dir);
  Loader L{*mw.checkpoint, mw, {}};
  const int64_t H = c.hidden_size, I = c.intermediate_size, V = c.vocab_size;
  mw.embed = L.matrix("model.embed_tokens.weight", V, H);
  mw.layers.resize(static_cast<size_t>(c.num_layers));
  for (int32_t i = 0; i < c.num_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i);
    LayerWeights& lw = mw.layers[static_cast<size_t>(i)];
    lw.input_norm = L.vector(p + ".input_layernorm.weight", H);
    lw.post_norm = L.vector(p + ".post_attention_layernorm.weight", H);
    lw.q = L.linear(p + ".self_attn.q_proj", c.q_dim(), H, c.attention_bias);
    lw.k = L.linear(p + ".self_attn.k_proj", c.kv_dim(), H, c.attention_bias);
    lw.v = L.linear(p + ".self_attn.v_proj", c.kv_dim(), H, c.attention_bias);
    lw.o = L.linear(p + ".self_attn.o_proj", H, c.q_dim(), c.o_bias);
    lw.gate = L.linear(p + ".mlp.gate_proj", I, H, c.mlp_bias);
    lw.up = L.linear(p + ".mlp.up_proj", I, H, c.mlp_bias);
    lw.down = L.linear(p + ".mlp.down_proj", H, I, c.mlp_bias);
  }
  mw.final_norm = L.vector("model.norm.weight", H);
  if (c.tie_word_embeddings) {
    Weight head = mw.embed;  // same mapped bytes
    head.name = "lm_head.weight (tied to model.embed_tokens.weight)";
    mw.lm_head = std::move(head);
  } else {
    mw.lm_head = L.matrix("lm_head.weight", V, H);
  }
  int64_t best = -1;
  for (const auto& kv : L.bytes_by_dtype)
    if (kv.second > best) best = kv.second, mw.main_dtype = kv.first;
  return mw;
}

}  // namespace flk
