// Time per operation kind, enabled by FLOCK_PROFILE=1 (printed to stderr when the owner
// is destroyed). Off, a scope costs one branch.
//
// Each op gets its wall time, the CPU time of the thread that ran the scope (the pool's
// caller, which does its share of every parallel loop: wall well above it means the
// thread waited, for the other threads or for a machine busy with other work), and the
// floating-point operations its matrix products performed, so GFLOP/s per op shows which
// kernel a regression is in. FLOPs are those the op needs (2 per multiply-add; attention
// only over visible keys), not the padding a kernel computes and throws away.
#pragma once
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace flk {

/** Seconds of CPU time on `clock` (this thread's by default), for timings a busy machine cannot inflate. */
inline double cpu_clock_seconds(clockid_t clock = CLOCK_THREAD_CPUTIME_ID) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

class Profiler {
 public:
  Profiler() : enabled_(std::getenv("FLOCK_PROFILE") != nullptr) {}
  ~Profiler() {
    if (!enabled_ || totals_.empty()) return;
    Entry all;
    for (const auto& kv : totals_) all.add(kv.second);
    std::fprintf(stderr, "[flock profile] %.2f s in timed ops (%.2f s CPU of the calling thread)\n", all.wall, all.cpu);
    std::fprintf(stderr, "  %-22s %9s %6s %9s %9s %8s\n", "op", "wall s", "share", "cpu s", "GFLOP", "GFLOP/s");
    for (const auto& kv : totals_) {
      const Entry& e = kv.second;
      if (e.flops > 0)
        std::fprintf(stderr, "  %-22s %9.3f %5.1f%% %9.3f %9.1f %8.1f\n", kv.first.c_str(), e.wall, 100 * e.wall / all.wall, e.cpu,
                     e.flops / 1e9, e.flops / 1e9 / e.wall);
      else
        std::fprintf(stderr, "  %-22s %9.3f %5.1f%% %9.3f %9s %8s\n", kv.first.c_str(), e.wall, 100 * e.wall / all.wall, e.cpu, "-", "-");
    }
  }
  bool enabled() const { return enabled_; }

  class Scope {
   public:
    // flops: the floating-point operations the op performs (0 for memory-bound ops)
    Scope(Profiler& p, const char* name, double flops = 0) : p_(p), name_(name), flops_(flops) {
      if (p_.enabled_) {
        t0_ = std::chrono::steady_clock::now();
        c0_ = cpu_clock_seconds();
      }
    }
    ~Scope() {
      if (!p_.enabled_) return;
      Entry& e = p_.totals_[name_];
      e.wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
      e.cpu += cpu_clock_seconds() - c0_;
      e.flops += flops_;
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Profiler& p_;
    const char* name_;
    double flops_;
    std::chrono::steady_clock::time_point t0_;
    double c0_ = 0;
  };

 private:
  struct Entry {
    double wall = 0, cpu = 0, flops = 0;
    void add(const Entry& o) {
      wall += o.wall;
      cpu += o.cpu;
      flops += o.flops;
    }
  };
  bool enabled_;
  std::map<std::string, Entry> totals_;
};

}  // namespace flk
