// GPU checks (run on a machine with an NVIDIA GPU; see run_gpu_checks.sh):
//   test_cuda FIXTURES_DIR [BIG_MODEL_DIR]
// 1. each CUDA kernel, forward and backward, against the CPU backend on fresh random inputs
//    (fp32 paths under 1e-4 relative, bf16 matrix products under 1e-2);
// 2. full train+eval runs against the CPU backend (fp32 mode 1e-4, bf16 1e-2 on eval loss),
//    two GPU runs bitwise identical;
// 3. 100 consecutive runs: device memory back to its level after each;
// 4. a timing table (tokens/s, CPU vs GPU).
#include <cuda_runtime.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "attention.cuh"
#include "check.hpp"
#include "random.hpp"
#include "common.cuh"
#include "cpu/cross_entropy.hpp"
#include "cpu/gemm.hpp"
#include "cpu/layers.hpp"
#include "gemm.cuh"
#include "kernels.cuh"
#include "optimizer.hpp"
#include "rng.hpp"
#include "rope_table.hpp"
#include "training_fixture.hpp"

using namespace flk;

namespace {
std::string g_fixtures, g_big;

double rel(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0, r = 0;
  for (size_t i = 0; i < a.size(); ++i) d += (double(a[i]) - b[i]) * (double(a[i]) - b[i]), r += double(b[i]) * b[i];
  return std::sqrt(d / (r + 1e-30));
}
struct Dev {
  cuda::DeviceBuffer<float> b;
  explicit Dev(const std::vector<float>& h) : b(h.size()) { FLK_CUDA(cudaMemcpy(b.get(), h.data(), h.size() * 4, cudaMemcpyHostToDevice)); }
  explicit Dev(size_t n) : b(n) { FLK_CUDA(cudaMemset(b.get(), 0, n * 4)); }
  std::vector<float> host() const {
    std::vector<float> h(b.size());
    FLK_CUDA(cudaDeviceSynchronize());
    FLK_CUDA(cudaMemcpy(h.data(), b.get(), h.size() * 4, cudaMemcpyDeviceToHost));
    return h;
  }
  float* p() { return b.get(); }
};
#define EXPECT_REL(name, gpu, cpu, tol)                                                                          \
  do {                                                                                                           \
    const double e_ = rel(gpu, cpu);                                                                             \
    std::printf("  %-34s rel err %.2e (tol %.0e)\n", name, e_, double(tol));                                    \
    CHECK_MSG(e_ < (tol), std::string(name) + " relative error " + std::to_string(e_));                          \
  } while (0)
}  // namespace

TEST_CASE("kernels against the CPU backend") {
  ThreadPool pool(2);
  cudaStream_t s = nullptr;
  cublasHandle_t h;
  FLK_CUBLAS(cublasCreate(&h));
  FLK_CUBLAS(cublasSetMathMode(h, CUBLAS_PEDANTIC_MATH));
  const int64_t T = 77, D = 96;
  {  // rmsnorm
    auto x = randn(T * D, 1), w = randn(D, 2), dy = randn(T * D, 3);
    std::vector<float> y(T * D), r(T), dx(T * D);
    cpu::rmsnorm_forward(pool, x.data(), w.data(), T, D, 1e-6, y.data(), r.data());
    cpu::rmsnorm_backward(pool, dy.data(), x.data(), w.data(), r.data(), T, D, dx.data(), false);
    Dev gx(x), gw(w), gdy(dy), gy(T * D), gr(T), gdx(T * D);
    cuda::rmsnorm_forward(gx.p(), gw.p(), T, D, 1e-6f, gy.p(), gr.p(), s);
    cuda::rmsnorm_backward(gdy.p(), gx.p(), gw.p(), gr.p(), T, D, gdx.p(), false, s);
    EXPECT_REL("rmsnorm forward", gy.host(), y, 1e-5);
    EXPECT_REL("rmsnorm backward", gdx.host(), dx, 1e-5);
  }
  {  // rope
    const int64_t heads = 3, hd = 32;
    std::vector<int32_t> pos(T);
    for (int64_t t = 0; t < T; ++t) pos[t] = static_cast<int32_t>(t % 40);
    std::vector<float> inv(hd / 2);
    for (int64_t i = 0; i < hd / 2; ++i) inv[i] = std::pow(10000.0f, -2.0f * i / hd);
    RopeTableOwner rt(inv, 40);
    auto x = randn(T * heads * hd, 4);
    auto fx = x, bx = x;
    cpu::rope_forward(pool, fx.data(), pos.data(), T, heads, hd, rt.table);
    cpu::rope_backward(pool, bx.data(), pos.data(), T, heads, hd, rt.table);
    Dev gf(x), gb(x), gc(rt.cos), gs(rt.sin);
    cuda::DeviceBuffer<int32_t> gp(T);
    FLK_CUDA(cudaMemcpy(gp.get(), pos.data(), T * 4, cudaMemcpyHostToDevice));
    cuda::rope(gf.p(), gp.get(), T, heads, hd, gc.p(), gs.p(), false, s);
    cuda::rope(gb.p(), gp.get(), T, heads, hd, gc.p(), gs.p(), true, s);
    EXPECT_REL("rope forward", gf.host(), fx, 1e-6);
    EXPECT_REL("rope backward", gb.host(), bx, 1e-6);
  }
  {  // swiglu
    const int64_t n = 5000;
    auto g = randn(n, 5, 2.0f), u = randn(n, 6), dm = randn(n, 7);
    std::vector<float> m(n), dg(n), du(n);
    cpu::swiglu_forward(pool, g.data(), u.data(), n, m.data());
    cpu::swiglu_backward(pool, dm.data(), g.data(), u.data(), n, dg.data(), du.data());
    Dev gg(g), gu(u), gdm(dm), gm(n), gdg(n), gdu(n);
    cuda::swiglu_forward(gg.p(), gu.p(), n, gm.p(), s);
    cuda::swiglu_backward(gdm.p(), gg.p(), gu.p(), n, gdg.p(), gdu.p(), s);
    EXPECT_REL("swiglu forward", gm.host(), m, 1e-6);
    EXPECT_REL("swiglu backward dg", gdg.host(), dg, 1e-6);
    EXPECT_REL("swiglu backward du", gdu.host(), du, 1e-6);
  }
  {  // GEMM in fp32 and bf16 against the CPU GEMM
    const int64_t M = 130, N = 300, K = 260;
    auto a = randn(M * K, 8), w = randn(N * K, 9, 0.1f);
    std::vector<float> c(M * N);
    cpu::gemm(pool, M, N, K, a.data(), K, 1, cpu::weight_t(DType::F32, w.data(), K), c.data(), N, false);
    Dev ga(a), gw(w), gc(M * N);
    cuda::gemm(h, M, N, K, {ga.p(), CUDA_R_32F, K, false}, {gw.p(), CUDA_R_32F, K, true}, gc.p(), N, 1.0f, 0.0f);
    EXPECT_REL("gemm x·Wᵀ fp32", gc.host(), c, 1e-5);
    cuda::DeviceBuffer<__nv_bfloat16> ab(M * K), wb(N * K);
    cuda::to_bf16(ga.p(), ab.get(), M * K, s);
    cuda::to_bf16(gw.p(), wb.get(), N * K, s);
    cuda::gemm(h, M, N, K, {ab.get(), CUDA_R_16BF, K, false}, {wb.get(), CUDA_R_16BF, K, true}, gc.p(), N, 1.0f, 0.0f);
    EXPECT_REL("gemm x·Wᵀ bf16", gc.host(), c, 1e-2);
  }
  {  // attention, GQA, two packed sequences, with and without a window
    for (int64_t window : {int64_t{0}, int64_t{9}}) {
      const int64_t heads = 4, kvh = 2, hd = 16, T2 = 300;
      std::vector<int64_t> offs = {0, 120, T2}, start(T2), end(T2);
      for (int64_t t = 0; t < T2; ++t) start[t] = t < 120 ? 0 : 120, end[t] = t < 120 ? 120 : T2;
      cpu::AttentionShape as{T2, heads, kvh, hd, window, start.data(), end.data()};
      auto q = randn(T2 * heads * hd, 10), k = randn(T2 * kvh * hd, 11), v = randn(T2 * kvh * hd, 12), dout = randn(T2 * heads * hd, 13);
      std::vector<float> o(q.size()), lse(T2 * heads), dq(q.size()), dk(k.size()), dv(v.size());
      cpu::attention_forward(pool, as, q.data(), k.data(), v.data(), o.data(), lse.data());
      cpu::attention_backward(pool, as, q.data(), k.data(), v.data(), o.data(), lse.data(), dout.data(), dq.data(), dk.data(), dv.data());
      cuda::AttentionGeometry geo{T2, heads, kvh, hd, window, offs};
      Dev gq(q), gk(k), gv(v), gdo(dout), go(q.size()), gl(T2 * heads), gdq(q.size()), gdk(k.size()), gdv(v.size());
      cuda::attention_forward(h, s, geo, gq.p(), gk.p(), gv.p(), go.p(), gl.p());
      cuda::attention_backward(h, s, geo, gq.p(), gk.p(), gv.p(), go.p(), gl.p(), gdo.p(), gdq.p(), gdk.p(), gdv.p());
      EXPECT_REL(window ? "attention forward (window)" : "attention forward", go.host(), o, 1e-5);
      EXPECT_REL("attention lse", gl.host(), lse, 1e-5);
      EXPECT_REL("attention dq", gdq.host(), dq, 1e-4);
      EXPECT_REL("attention dk", gdk.host(), dk, 1e-4);
      EXPECT_REL("attention dv", gdv.host(), dv, 1e-4);
    }
  }
  {  // cross-entropy with gradient
    const int64_t rows = 40, V = 1000;
    auto logits = randn(rows * V, 14, 3.0f);
    std::vector<int32_t> tg(rows);
    for (int64_t r = 0; r < rows; ++r) tg[r] = r % 7 == 3 ? -1 : static_cast<int32_t>((r * 37) % V);
    // CPU reference through the LM-head path with an identity head: logits = h · Iᵀ
    std::vector<float> eye(V * V, 0.0f), loss(rows), dh(rows * V);
    for (int64_t i = 0; i < V; ++i) eye[i * V + i] = 1.0f;
    Weight I;
    I.dtype = DType::F32, I.data = reinterpret_cast<const uint8_t*>(eye.data()), I.rows = V, I.cols = V;
    cpu::lm_head_cross_entropy(pool, logits.data(), rows, I, tg.data(), loss.data(), nullptr, dh.data(), 0.25f, 64);
    Dev gl(logits), gloss(rows);
    cuda::DeviceBuffer<int32_t> gt(rows);
    FLK_CUDA(cudaMemcpy(gt.get(), tg.data(), rows * 4, cudaMemcpyHostToDevice));
    cuda::cross_entropy(gl.p(), rows, V, gt.get(), gloss.p(), 0.25f, true, s);
    EXPECT_REL("cross-entropy loss", gloss.host(), loss, 1e-6);
    EXPECT_REL("cross-entropy gradient", gl.host(), dh, 1e-5);
  }
  {  // AdamW and dropout masks
    const int64_t n = 3000;
    auto p = randn(n, 15), g = randn(n, 16), m = randn(n, 17, 0.1f), v0 = randn(n, 18, 0.1f);
    for (auto& x : v0) x = x * x;
    auto pc = p, mc = m, vc = v0;
    AdamWConfig c{0.9, 0.999, 1e-8, 0.01};
    adamw_update(pc.data(), g.data(), mc.data(), vc.data(), n, c, 1e-3, 3, 0.5f);
    Dev gp(p), gg(g), gm(m), gv(v0);
    cuda::adamw(gp.p(), gg.p(), gm.p(), gv.p(), n, 0.9f, 0.999f, 1e-8f, float(1 - 1e-3 * 0.01), float(1e-3 / (1 - std::pow(0.9, 3))),
                float(std::sqrt(1 - std::pow(0.999, 3))), 0.5f, s);
    EXPECT_REL("adamw parameters", gp.host(), pc, 1e-6);
    auto x = randn(n, 19);
    Dev gx(x), gd(n);
    cuda::dropout(gx.p(), gd.p(), n, 0.3f, 12345, s);
    const auto d = gd.host();
    int differ = 0;
    for (int64_t i = 0; i < n; ++i) differ += (d[i] == 0.0f) != (uniform_at(12345, i) < 0.3f);
    CHECK_MSG(differ == 0, "dropout masks differ from the CPU's in " + std::to_string(differ) + " places");
  }
  cublasDestroy(h);
}

namespace {
FixtureRun run_on(const TrainingFixture& fx, const char* device, const char* precision) {
  FixtureRun out = run_fixture(fx, 0, device, precision);
  CHECK_MSG(out.error.empty(), out.error);
  return out;
}
}  // namespace

TEST_CASE("full train+eval runs: GPU against CPU, and two GPU runs") {
  for (const auto& c : read_json_file(g_fixtures + "/training/cases.json")) {
    TrainingFixture fx(g_fixtures + "/training/" + c.get<std::string>(), g_fixtures + "/reference");
    const FixtureRun cpu = run_on(fx, "cpu", "default");
    const FixtureRun f32 = run_on(fx, "cuda:0", "fp32");
    const FixtureRun bf1 = run_on(fx, "cuda:0", "bf16");
    const FixtureRun bf2 = run_on(fx, "cuda:0", "bf16");
    const double e32 = std::fabs(f32.r.eval.token_mean - cpu.r.eval.token_mean) / cpu.r.eval.token_mean;
    const double e16 = std::fabs(bf1.r.eval.token_mean - cpu.r.eval.token_mean) / cpu.r.eval.token_mean;
    std::printf("  %s: eval loss cpu %.6f, cuda fp32 %.6f (rel %.2e), cuda bf16 %.6f (rel %.2e) on %s\n", c.get<std::string>().c_str(),
                cpu.r.eval.token_mean, f32.r.eval.token_mean, e32, bf1.r.eval.token_mean, e16, f32.r.device);
    CHECK(e32 < 1e-4);
    CHECK(e16 < 1e-2);
    CHECK(bf1.loss == bf2.loss && bf1.r.eval.token_mean == bf2.r.eval.token_mean);
  }
}

TEST_CASE("100 consecutive runs: device memory back to its level after each") {
  TrainingFixture fx(g_fixtures + "/training/qwen2-all-linear", g_fixtures + "/reference");
  flock_model* m = nullptr;
  flock_error err{};
  flock_load_options lo{"cpu", 0};
  if (flock_model_load(fx.model_dir.c_str(), &lo, &m, &err) != FLOCK_OK) {
    CHECK_MSG(false, err.message);
    return;
  }
  flock_train_request rq = fx.request();
  rq.device = "cuda:0";
  size_t level = 0, free_now = 0, total = 0;
  int drifted = 0;
  for (int i = 0; i < 100; ++i) {
    flock_train_result r{};
    CHECK_MSG(flock_train_and_evaluate(m, &rq, &r, &err) == FLOCK_OK, err.message);
    flock_train_result_free(&r);
    FLK_CUDA(cudaMemGetInfo(&free_now, &total));
    if (i == 0) level = free_now;  // after weights, handles and the allocator settle
    else if (free_now != level) ++drifted;
  }
  std::printf("  free device memory after run 1: %.1f MiB; runs 2-100 that ended at another level: %d\n", level / 1048576.0, drifted);
  CHECK(drifted == 0);
  flock_model_free(m);
}

TEST_CASE("timing table") {
  const std::vector<std::string> models = g_big.empty() ? std::vector<std::string>{} : std::vector<std::string>{g_big};
  for (const std::string& dir : models) {
    flock_model* m = nullptr;
    flock_error err{};
    flock_load_options lo{"cpu", 0};
    if (flock_model_load(dir.c_str(), &lo, &m, &err) != FLOCK_OK) {
      CHECK_MSG(false, err.message);
      return;
    }
    flock_model_info info{};
    flock_model_get_info(m, &info, &err);
    const int64_t T = 512;
    std::mt19937 rng(1);
    std::vector<int32_t> tok(T);
    std::vector<uint8_t> mask(T);
    for (int64_t i = 0; i < T; ++i) tok[i] = static_cast<int32_t>(rng() % info.vocab_size), mask[i] = i >= T / 4;
    std::vector<int64_t> off = {0, T};
    std::printf("  %-8s %-6s %12s %12s %10s\n", "device", "prec", "train tok/s", "eval tok/s", "eval loss");
    double loss_cpu = 0;
    for (const char* dev : {"cpu", "cuda:0", "cuda:0"}) {
      static int k = 0;
      const char* prec = k++ == 1 ? "fp32" : "default";
      flock_train_request rq{};
      rq.train = flock_batch{tok.data(), mask.data(), off.data(), 1};
      rq.eval = rq.train;
      rq.lora = flock_lora_config{FLOCK_TARGET_ALL_LINEAR, 16, 32, 0, 0.0, 0};
      rq.config = flock_train_config{2e-4, FLOCK_SCHEDULE_LINEAR, 0, 0, 1, 3, 1, 1, 1.0, 0.9, 0.999, 1e-8, 0, 1, 1, 8192, 0};
      rq.device = dev;
      rq.precision = prec;
      flock_train_result r{};
      if (flock_train_and_evaluate(m, &rq, &r, &err) != FLOCK_OK) {
        CHECK_MSG(false, err.message);
        continue;
      }
      if (std::string(dev) == "cpu") loss_cpu = r.eval.token_mean;
      std::printf("  %-8s %-6s %12.1f %12.1f %10.6f\n", dev, std::string(dev) == "cpu" ? "fp32" : (std::string(prec) == "fp32" ? "fp32" : "bf16"),
                  r.tokens_per_s, r.eval.tokens / r.eval_seconds, r.eval.token_mean);
      if (std::string(dev) != "cpu") CHECK(std::fabs(r.eval.token_mean - loss_cpu) / loss_cpu < 1e-2);
      flock_train_result_free(&r);
    }
    flock_model_free(m);
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: test_cuda FIXTURES_DIR [BIG_MODEL_DIR]\n");
    return 2;
  }
  g_fixtures = argv[1];
  if (argc > 2) g_big = argv[2];
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    std::fprintf(stderr, "test_cuda: no CUDA device visible\n");
    return 1;
  }
  return check::run_all();
}
