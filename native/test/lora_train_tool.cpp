// Runs one training fixture through the C ABI and writes the trained adapter, so the
// PEFT reference script can load an adapter we wrote:
//   lora_train_tool CASE_DIR MODEL_ROOT OUT_ADAPTER_DIR
#include <cstdio>
#include <string>

#include "training_fixture.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: lora_train_tool CASE_DIR MODEL_ROOT OUT_ADAPTER_DIR\n");
    return 2;
  }
  try {
    TrainingFixture fx(argv[1], argv[2]);
    flock_model* m = nullptr;
    flock_error err{};
    flock_load_options opts{"cpu", 0};
    if (flock_model_load(fx.model_dir.c_str(), &opts, &m, &err) != FLOCK_OK) {
      std::fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    const std::string init = fx.dir + "/init_adapter";
    flock_train_request rq = fx.request();
    rq.init_adapter_dir = init.c_str();
    rq.save_adapter_dir = argv[3];
    flock_train_result res{};
    if (flock_train_and_evaluate(m, &rq, &res, &err) != FLOCK_OK) {
      std::fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    std::printf("{\"eval_token_mean\": %.17g, \"eval_example_mean\": %.17g, \"steps\": %lld}\n", res.eval.token_mean,
                res.eval.example_mean, static_cast<long long>(res.steps));
    flock_train_result_free(&res);
    flock_model_free(m);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
