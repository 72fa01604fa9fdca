// Wall time per operation kind, enabled by FLOCK_PROFILE=1 (printed to stderr when the
// owner is destroyed). Off, a scope costs one branch.
#pragma once
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace flk {

class Profiler {
 public:
  Profiler() : enabled_(std::getenv("FLOCK_PROFILE") != nullptr) {}
  ~Profiler() {
    if (!enabled_ || totals_.empty()) return;
    double all = 0;
    for (const auto& kv : totals_) all += kv.second;
    std::fprintf(stderr, "[flock profile] %.2f s in timed ops\n", all);
    for (const auto& kv : totals_) std::fprintf(stderr, "  %-22s %8.3f s  %5.1f%%\n", kv.first.c_str(), kv.second, 100 * kv.second / all);
  }
  bool enabled() const { return enabled_; }
  void add(const char* name, double s) { totals_[name] += s; }

  class Scope {
   public:
    Scope(Profiler& p, const char* name) : p_(p), name_(name) {
      if (p_.enabled_) t0_ = std::chrono::steady_clock::now();
    }
    ~Scope() {
      if (p_.enabled_) p_.add(name_, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count());
    }

   private:
    Profiler& p_;
    const char* name_;
    std::chrono::steady_clock::time_point t0_;
  };

 private:
  bool enabled_;
  std::map<std::string, double> totals_;
};

}  // namespace flk
