// Minimal test harness for the C++ test binaries (no dependencies, so the core
// can be checked on a machine that has only a compiler).
#pragma once
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace check {

struct Case {
  const char* name;
  std::function<void()> fn;
};

inline std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}
inline int& failures() {
  static int n = 0;
  return n;
}

struct Register {
  Register(const char* name, std::function<void()> fn) { cases().push_back({name, std::move(fn)}); }
};

inline int run_all() {
  int failed_cases = 0;
  for (const Case& c : cases()) {
    const int before = failures();
    try {
      c.fn();
    } catch (const std::exception& e) {
      std::printf("  unexpected exception: %s\n", e.what());
      ++failures();
    }
    const bool ok = failures() == before;
    std::printf("%s - %s\n", ok ? "ok" : "not ok", c.name);
    if (!ok) ++failed_cases;
  }
  std::printf("%zu passed, %d failed\n", cases().size() - failed_cases, failed_cases);
  return failed_cases == 0 ? 0 : 1;
}

}  // namespace check

#define CHECK_CAT2(a, b) a##b
#define CHECK_CAT(a, b) CHECK_CAT2(a, b)
#define TEST_CASE(name)                                                      \
  static void CHECK_CAT(test_fn_, __LINE__)();                               \
  static check::Register CHECK_CAT(test_reg_, __LINE__)(name, CHECK_CAT(test_fn_, __LINE__)); \
  static void CHECK_CAT(test_fn_, __LINE__)()

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
      ++check::failures();                                                     \
    }                                                                          \
  } while (0)

#define CHECK_MSG(cond, msg)                                                   \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::printf("  %s:%d: %s\n", __FILE__, __LINE__, std::string(msg).c_str()); \
      ++check::failures();                                                     \
    }                                                                          \
  } while (0)
