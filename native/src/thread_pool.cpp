#include "thread_pool.hpp"

#include <algorithm>
#include <exception>

namespace flk {

ThreadPool::ThreadPool(int num_threads) {
  int n = num_threads > 0 ? num_threads : static_cast<int>(std::thread::hardware_concurrency());
  if (n < 1) n = 1;
  for (int i = 1; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunks() {
  for (;;) {
    const int64_t c = next_.fetch_add(1);
    if (c >= num_chunks_) return;
    const int64_t begin = c * chunk_;
    const int64_t end = std::min(n_, begin + chunk_);
    (*fn_)(begin, end);
  }
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    run_chunks();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) done_cv_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t threads = size();
  // Several chunks per thread balance uneven work (causal attention rows).
  int64_t chunk = std::max<int64_t>(grain, (n + threads * 4 - 1) / (threads * 4));
  const int64_t num_chunks = (n + chunk - 1) / chunk;
  if (threads == 1 || num_chunks == 1) {
    fn(0, n);
    return;
  }
  std::lock_guard<std::mutex> call_lock(call_mu_);
  std::exception_ptr error;
  std::mutex error_mu;
  std::function<void(int64_t, int64_t)> guarded = [&](int64_t b, int64_t e) {
    try {
      fn(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> l(error_mu);
      if (!error) error = std::current_exception();
    }
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &guarded;
    n_ = n;
    chunk_ = chunk;
    num_chunks_ = num_chunks;
    next_.store(0);
    active_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  start_cv_.notify_all();
  run_chunks();
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return active_ == 0; });
    fn_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace flk
