// CPU layer checks: gradients against central finite differences, packing
// (no attention across sequences), and bitwise determinism across thread counts.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "check.hpp"
#include "random.hpp"
#include "cpu/gemm.hpp"
#include "cpu/layers.hpp"
#include "cpu/vec_math.hpp"
#include "rope_table.hpp"

using flk::ThreadPool;
namespace cpu = flk::cpu;

namespace {


double dotd(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// Compares an analytic gradient with central differences of loss(x) at a sample of indices.
void check_grad(const char* what, std::vector<float>& x, const std::vector<float>& grad, const std::function<double()>& loss,
                float h = 1e-2f, double tol = 2e-3) {
  double num2 = 0, diff2 = 0;
  for (size_t i = 0; i < x.size(); i += 1 + x.size() / 97) {
    const float keep = x[i];
    x[i] = keep + h;
    const double lp = loss();
    x[i] = keep - h;
    const double lm = loss();
    x[i] = keep;
    const double fd = (lp - lm) / (2.0 * h);
    num2 += fd * fd;
    diff2 += (fd - grad[i]) * (fd - grad[i]);
  }
  const double rel = std::sqrt(diff2 / (num2 + 1e-30));
  CHECK_MSG(rel < tol, std::string(what) + ": relative gradient error " + std::to_string(rel));
}

flk::Weight weight(std::vector<float>& data, int64_t rows, int64_t cols) {
  flk::Weight w;
  w.dtype = flk::DType::F32;
  w.data = reinterpret_cast<const uint8_t*>(data.data());
  w.rows = rows;
  w.cols = cols;
  return w;
}

struct Packed {
  std::vector<int64_t> start, end;
  std::vector<int32_t> pos;
  explicit Packed(const std::vector<int64_t>& lens) {
    int64_t off = 0;
    for (int64_t L : lens) {
      for (int64_t i = 0; i < L; ++i) {
        start.push_back(off);
        end.push_back(off + L);
        pos.push_back(static_cast<int32_t>(i));
      }
      off += L;
    }
  }
};

}  // namespace

TEST_CASE("linear forward and input gradient") {
  ThreadPool pool(2);
  const int64_t T = 37, in = 29, out = 41;
  auto x = randn(T * in, 1), wd = randn(out * in, 2, 0.2f), R = randn(T * out, 3);
  flk::Linear L;
  L.w = weight(wd, out, in);
  L.bias = randn(out, 4);
  std::vector<float> y(T * out), dx(T * in);
  auto loss = [&] {
    cpu::linear_forward(pool, x.data(), T, L, y.data());
    return dotd(y, R);
  };
  loss();
  // spot-check one output against a double dot product
  double ref = L.bias[5];
  for (int64_t i = 0; i < in; ++i) ref += static_cast<double>(x[3 * in + i]) * wd[5 * in + i];
  CHECK(std::fabs(ref - y[3 * out + 5]) < 1e-5 * (1 + std::fabs(ref)));
  cpu::linear_backward_input(pool, R.data(), T, L.w, dx.data(), false);
  check_grad("linear dx", x, dx, loss);
}

TEST_CASE("rmsnorm gradient") {
  ThreadPool pool(2);
  const int64_t T = 5, D = 24;
  auto x = randn(T * D, 5), w = randn(D, 6), R = randn(T * D, 7);
  std::vector<float> y(T * D), r(T), dx(T * D);
  auto loss = [&] {
    cpu::rmsnorm_forward(pool, x.data(), w.data(), T, D, 1e-6, y.data(), r.data());
    return dotd(y, R);
  };
  loss();
  cpu::rmsnorm_backward(pool, R.data(), x.data(), w.data(), r.data(), T, D, dx.data(), false);
  check_grad("rmsnorm dx", x, dx, loss);
}

TEST_CASE("swiglu gradient") {
  ThreadPool pool(2);
  const int64_t n = 300;
  auto g = randn(n, 8, 2.0f), u = randn(n, 9), R = randn(n, 10);
  std::vector<float> m(n), dg(n), du(n);
  auto loss = [&] {
    cpu::swiglu_forward(pool, g.data(), u.data(), n, m.data());
    return dotd(m, R);
  };
  loss();
  cpu::swiglu_backward(pool, R.data(), g.data(), u.data(), n, dg.data(), du.data());
  check_grad("swiglu dg", g, dg, loss);
  check_grad("swiglu du", u, du, loss);
}

TEST_CASE("rope backward is the transpose of rope forward") {
  ThreadPool pool(2);
  const int64_t T = 9, heads = 3, hd = 8;
  std::vector<float> inv = {1.0f, 0.3f, 0.05f, 0.001f};
  flk::RopeTableOwner rt(inv, T);
  Packed pk({4, 5});
  auto x = randn(T * heads * hd, 11), y = randn(T * heads * hd, 12);
  auto fx = x, by = y;
  cpu::rope_forward(pool, fx.data(), pk.pos.data(), T, heads, hd, rt.table);
  cpu::rope_backward(pool, by.data(), pk.pos.data(), T, heads, hd, rt.table);
  const double a = dotd(fx, y), b = dotd(x, by);
  CHECK(std::fabs(a - b) < 1e-4 * (1 + std::fabs(a)));
  // position 0 is the identity
  for (int64_t i = 0; i < heads * hd; ++i) CHECK(fx[i] == x[i]);
}

TEST_CASE("attention gradients, GQA, packed sequences and sliding window") {
  ThreadPool pool(2);
  for (int64_t window : {int64_t{0}, int64_t{3}}) {
    const int64_t heads = 4, kvh = 2, hd = 8;
    Packed pk({5, 7});
    const int64_t T = 12;
    cpu::AttentionShape s{T, heads, kvh, hd, window, pk.start.data(), pk.end.data()};
    auto q = randn(T * heads * hd, 13), k = randn(T * kvh * hd, 14), v = randn(T * kvh * hd, 15), R = randn(T * heads * hd, 16);
    std::vector<float> out(T * heads * hd), lse(T * heads), dq(q.size()), dk(k.size()), dv(v.size());
    auto loss = [&] {
      cpu::attention_forward(pool, s, q.data(), k.data(), v.data(), out.data(), lse.data());
      return dotd(out, R);
    };
    loss();
    cpu::attention_backward(pool, s, q.data(), k.data(), v.data(), out.data(), lse.data(), R.data(), dq.data(), dk.data(), dv.data());
    check_grad("attention dq", q, dq, loss);
    check_grad("attention dk", k, dk, loss);
    check_grad("attention dv", v, dv, loss);
    // The second sequence alone gives the same output: nothing leaks across the boundary.
    loss();
    Packed one({7});
    cpu::AttentionShape s1{7, heads, kvh, hd, window, one.start.data(), one.end.data()};
    std::vector<float> out1(7 * heads * hd), lse1(7 * heads);
    cpu::attention_forward(pool, s1, q.data() + 5 * heads * hd, k.data() + 5 * kvh * hd, v.data() + 5 * kvh * hd, out1.data(), lse1.data());
    CHECK(std::memcmp(out1.data(), out.data() + 5 * heads * hd, out1.size() * 4) == 0);
  }
}

TEST_CASE("results are bitwise identical with 1 and 3 threads") {
  const int64_t T = 70, in = 50, out = 90, heads = 4, kvh = 2, hd = 16;
  auto x = randn(T * in, 17), wd = randn(out * in, 18);
  flk::Linear L;
  L.w = weight(wd, out, in);
  Packed pk({30, 40});
  auto q = randn(T * heads * hd, 19), k = randn(T * kvh * hd, 20), v = randn(T * kvh * hd, 21), R = randn(T * heads * hd, 22);
  auto run = [&](int threads) {
    ThreadPool pool(threads);
    std::vector<float> y(T * out), dx(T * in), o(T * heads * hd), lse(T * heads), dq(q.size()), dk(k.size()), dv(v.size());
    cpu::linear_forward(pool, x.data(), T, L, y.data());
    cpu::linear_backward_input(pool, y.data(), T, L.w, dx.data(), false);
    cpu::AttentionShape s{T, heads, kvh, hd, 0, pk.start.data(), pk.end.data()};
    cpu::attention_forward(pool, s, q.data(), k.data(), v.data(), o.data(), lse.data());
    cpu::attention_backward(pool, s, q.data(), k.data(), v.data(), o.data(), lse.data(), R.data(), dq.data(), dk.data(), dv.data());
    std::vector<float> all;
    for (auto* vec : {&y, &dx, &o, &dq, &dk, &dv}) all.insert(all.end(), vec->begin(), vec->end());
    return all;
  };
  const auto a = run(1), b = run(3);
  CHECK(a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
}

TEST_CASE("gemm: both layouts and orientations, every dtype, accumulate, odd sizes; the same bits on every ISA") {
  ThreadPool pool(3);
  // Not multiples of any panel, strip or block size. {M, F, R, A transposed}: M > F goes by
  // features (B converted in layout 0), M <= F with R >= 64 by tokens, R < 64 by features.
  struct Shape { int64_t M, F, R; bool at; };
  for (const Shape sh : {Shape{45, 29, 300, false}, Shape{37, 150, 300, false}, Shape{45, 29, 20, false}, Shape{70, 40, 300, true}}) {
    const int64_t M = sh.M, F = sh.F, R = sh.R;
    auto A = randn(M * R, 31), W = randn(F * R, 32), C0 = randn(M * F, 33);
    // A(m, r) at A[m·R + r], or at A[r·M + m] when transposed
    auto a_at = [&](int64_t m, int64_t r) { return sh.at ? A[r * M + m] : A[m * R + r]; };
    const int64_t lda_m = sh.at ? 1 : R, lda_r = sh.at ? M : 1;
    // BF16 and F16 copies of W, and W converted back, so the reference uses the stored values.
    std::vector<uint16_t> wb(W.size()), wh(W.size());
    std::vector<float> wbf(W.size());
    for (size_t i = 0; i < W.size(); ++i) {
      uint32_t bits;
      std::memcpy(&bits, &W[i], 4);
      wb[i] = static_cast<uint16_t>(bits >> 16);
      wbf[i] = flk::bf16_to_f32(wb[i]);
      wh[i] = 0x3c00;  // 1.0 in half
    }
    struct Case { flk::DType d; const void* data; std::vector<float> ref_w; };
    std::vector<Case> cases = {{flk::DType::F32, W.data(), W}, {flk::DType::BF16, wb.data(), wbf},
                               {flk::DType::F16, wh.data(), std::vector<float>(W.size(), 1.0f)}};
    for (const auto& c : cases) {
      for (int layout = 0; layout < 2; ++layout) {
        // layout 0: C = A·Wᵀ with W [F, R];  layout 1: C = A·W with W viewed as [R, F]
        const flk::cpu::GemmB b = layout == 0 ? flk::cpu::weight_t(c.d, c.data, R) : flk::cpu::weight_n(c.d, c.data, F);
        std::vector<std::vector<float>> outs;
        for (const char* isa : {"scalar", "avx2", "avx512"}) {
          std::vector<float> C = C0;
          flk::cpu::gemm_with_isa(isa, pool, M, F, R, A.data(), lda_m, lda_r, b, C.data(), F, true);
          outs.push_back(C);
        }
        double d2 = 0, r2 = 0;
        for (int64_t m = 0; m < M; ++m)
          for (int64_t f = 0; f < F; ++f) {
            double ref = C0[m * F + f];
            for (int64_t r = 0; r < R; ++r)
              ref += static_cast<double>(a_at(m, r)) * (layout == 0 ? c.ref_w[f * R + r] : c.ref_w[r * F + f]);
            d2 += (ref - outs[0][m * F + f]) * (ref - outs[0][m * F + f]);
            r2 += ref * ref;
          }
        const std::string what = std::string("gemm ") + std::to_string(M) + "x" + std::to_string(F) + "x" + std::to_string(R) +
                                 (sh.at ? " A transposed " : " ") + flk::dtype_name(c.d) + " layout " + std::to_string(layout);
        CHECK_MSG(std::sqrt(d2 / r2) < 1e-6, what + " relative error " + std::to_string(std::sqrt(d2 / r2)));
        for (size_t k = 1; k < outs.size(); ++k) CHECK_MSG(std::memcmp(outs[0].data(), outs[k].data(), outs[0].size() * 4) == 0, what + ": ISAs differ");
      }
    }
  }
}

TEST_CASE("vectorised exp: within 2 ulp of std::exp, -inf and underflow give 0; the same bits on every ISA") {
  using flk::cpu::kernels::Isa;
  std::vector<float> x = randn(1000, 41, 30.0f);  // spans underflow, [-87, 88] and overflow
  x[3] = -INFINITY;
  x[4] = -100.0f;
  x[5] = 0.0f;
  double worst = 0;
  std::vector<std::vector<float>> outs;
  std::vector<double> sums;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    std::vector<float> y(x.size());
    flk::cpu::exp_shifted(x.data(), 1.5f, y.data(), static_cast<int64_t>(x.size()), isa);
    outs.push_back(y);
    std::vector<float> z(x.begin(), x.begin() + 997);  // not a multiple of 16
    for (auto& v : z) v = std::min(v, 1.5f);
    sums.push_back(flk::cpu::exp_shifted_sum(z.data(), 1.5f, static_cast<int64_t>(z.size()), isa));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    const float d = x[i] - 1.5f;
    const double want = std::exp(static_cast<double>(d));
    if (d < -87.0f) {
      CHECK_MSG(outs[0][i] == 0.0f, "exp below -87 is 0");
    } else if (d > 88.0f) {
      CHECK_MSG(std::isinf(outs[0][i]), "exp above 88 is inf");
    } else {
      worst = std::max(worst, std::fabs(outs[0][i] - want) / want);
    }
  }
  CHECK_MSG(worst < 2.5e-7, "exp relative error " + std::to_string(worst));
  for (size_t k = 1; k < outs.size(); ++k) {
    CHECK(std::memcmp(outs[0].data(), outs[k].data(), outs[0].size() * 4) == 0);
    CHECK(std::memcmp(&sums[0], &sums[k], 8) == 0);
  }
}

int main() { return check::run_all(); }
