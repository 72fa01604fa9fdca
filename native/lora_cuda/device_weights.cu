#include "device_weights.cuh"
#include "kernels.cuh"

namespace flk::cuda {

namespace {

void upload_matrix(const Weight& w, bool bf16, cudaStream_t s, DeviceMatrix* out, size_t* bytes) {
  out->rows = w.rows;
  out->cols = w.cols;
  out->type = bf16 ? CUDA_R_16BF : CUDA_R_32F;
  out->data.resize(static_cast<size_t>(w.rows * w.cols) * (bf16 ? 2 : 4));
  *bytes += out->data.bytes();
  // A block of rows at a time through an fp32 staging buffer, converted on the device.
  const int64_t rows_per_chunk = std::max<int64_t>(1, (64 << 20) / (w.cols * 4));
  std::vector<float> host(static_cast<size_t>(std::min(rows_per_chunk, w.rows) * w.cols));
  DeviceBuffer<float> staging(bf16 ? host.size() : 0);
  for (int64_t r0 = 0; r0 < w.rows; r0 += rows_per_chunk) {
    const int64_t n = std::min(rows_per_chunk, w.rows - r0);
    const float* src = w.rows_f32(r0, n, host.data());
    const size_t count = static_cast<size_t>(n * w.cols);
    if (bf16) {
      FLK_CUDA(cudaMemcpyAsync(staging.get(), src, count * 4, cudaMemcpyHostToDevice, s));
      to_bf16(staging.get(), reinterpret_cast<__nv_bfloat16*>(out->data.get()) + r0 * w.cols, static_cast<int64_t>(count), s);
    } else {
      FLK_CUDA(cudaMemcpyAsync(reinterpret_cast<float*>(out->data.get()) + r0 * w.cols, src, count * 4, cudaMemcpyHostToDevice, s));
    }
    FLK_CUDA(cudaStreamSynchronize(s));  // `host` is reused for the next chunk
  }
}

void upload_vector(const std::vector<float>& v, cudaStream_t s, DeviceBuffer<float>* out, size_t* bytes) {
  out->resize(v.size());
  *bytes += out->bytes();
  if (!v.empty()) FLK_CUDA(cudaMemcpyAsync(out->get(), v.data(), v.size() * 4, cudaMemcpyHostToDevice, s));
}

void upload_linear(const Linear& l, bool bf16, cudaStream_t s, DeviceLinear* out, size_t* bytes) {
  upload_matrix(l.w, bf16, s, &out->w, bytes);
  upload_vector(l.bias, s, &out->bias, bytes);
}

}  // namespace

void upload_weights(const Model& m, bool bf16, cudaStream_t s, DeviceWeights* out) {
  out->bf16 = bf16;
  upload_matrix(m.weights.embed, bf16, s, &out->embed, &out->bytes);
  out->layers.resize(m.weights.layers.size());
  for (size_t i = 0; i < m.weights.layers.size(); ++i) {
    const LayerWeights& w = m.weights.layers[i];
    DeviceLayer& d = out->layers[i];
    upload_vector(w.input_norm, s, &d.input_norm, &out->bytes);
    upload_vector(w.post_norm, s, &d.post_norm, &out->bytes);
    for (auto [src, dst] : {std::pair{&w.q, &d.q}, {&w.k, &d.k}, {&w.v, &d.v}, {&w.o, &d.o}, {&w.gate, &d.gate}, {&w.up, &d.up}, {&w.down, &d.down}})
      upload_linear(*src, bf16, s, dst, &out->bytes);
  }
  upload_vector(m.weights.final_norm, s, &out->final_norm, &out->bytes);
  if (m.config.tie_word_embeddings) {
    out->lm_head = &out->embed;
  } else {
    upload_matrix(m.weights.lm_head, bf16, s, &out->lm_head_own, &out->bytes);
    out->lm_head = &out->lm_head_own;
  }
  FLK_CUDA(cudaStreamSynchronize(s));
}

}  // namespace flk::cuda
