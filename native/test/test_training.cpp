// Training against HF transformers + PEFT (float64, committed fixtures): the
// per-step loss, learning rate and gradient norm and the final eval loss agree
// within 1e-4 relative; runs are bitwise identical across runs and thread counts.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "check.hpp"
#include "training_fixture.hpp"

namespace {
std::string g_fixtures, g_models;

FixtureRun run(const TrainingFixture& fx, int threads) {
  FixtureRun out = run_fixture(fx, threads, "cpu", nullptr, true);
  CHECK_MSG(out.error.empty(), out.error);
  return out;
}

double rel(double a, double b) { return std::fabs(a - b) / std::fabs(b); }

void check_case(const std::string& name) {
  TrainingFixture fx(g_fixtures + "/" + name, g_models);
  const auto& e = fx.expected;
  FixtureRun a = run(fx, 2);
  const size_t steps = e["steps"].get<size_t>();
  CHECK_MSG(a.loss.size() == steps, name + ": " + std::to_string(a.loss.size()) + " steps, expected " + std::to_string(steps));
  if (a.loss.size() != steps) return;
  double worst_loss = 0, worst_lr = 0, worst_gn = 0;
  for (size_t s = 0; s < steps; ++s) {
    worst_loss = std::max(worst_loss, rel(a.loss[s], e["step_loss"][s].get<double>()));
    const double elr = e["step_lr"][s].get<double>();
    worst_lr = std::max(worst_lr, elr == 0 ? std::fabs(a.lr[s]) : rel(a.lr[s], elr));
    worst_gn = std::max(worst_gn, rel(a.grad_norm[s], e["step_grad_norm"][s].get<double>()));
  }
  const double ev = rel(a.r.eval.token_mean, e["eval"]["token_mean"].get<double>());
  const double ex = rel(a.r.eval.example_mean, e["eval"]["example_mean"].get<double>());
  const double eb = rel(a.r.eval_before.token_mean, e["eval_before"]["token_mean"].get<double>());
  const double peft = rel(a.r.eval.token_mean, e["peft_eval_of_our_adapter"]["token_mean"].get<double>());
  std::printf("  %s: %zu steps; worst rel err: step loss %.2e, lr %.2e, grad norm %.2e; eval %.2e (example mean %.2e, before %.2e); "
              "PEFT eval of our adapter %.2e\n",
              name.c_str(), steps, worst_loss, worst_lr, worst_gn, ev, ex, eb, peft);
  CHECK(worst_loss < 1e-4);
  CHECK(worst_lr < 1e-9);
  CHECK(worst_gn < 1e-4);
  CHECK(ev < 1e-4);
  CHECK(ex < 1e-4);
  CHECK(eb < 1e-4);
  CHECK(peft < 1e-4);

  FixtureRun b = run(fx, 1);
  FixtureRun c = run(fx, 2);
  CHECK_MSG(std::memcmp(a.loss.data(), b.loss.data(), steps * 8) == 0, name + ": 1 vs 2 threads differ");
  CHECK_MSG(std::memcmp(a.loss.data(), c.loss.data(), steps * 8) == 0, name + ": two runs differ");
  CHECK(a.r.eval.token_mean == b.r.eval.token_mean && a.r.eval.token_mean == c.r.eval.token_mean);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: test_training TRAINING_FIXTURES MODEL_ROOT\n");
    return 2;
  }
  g_fixtures = argv[1];
  g_models = argv[2];
  for (const auto& c : flk::read_json_file(g_fixtures + "/cases.json")) {
    const std::string name = c.get<std::string>();
    check::cases().push_back({strdup(name.c_str()), [name] { check_case(name); }});
  }
  return check::run_all();
}
