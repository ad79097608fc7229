// A persistent pool of worker threads for the forward pass. `run` executes one
// task on every thread (the caller takes part as thread 0) and returns when
// all are done; kernels split their work by (ith, nth). Workers spin briefly
// before sleeping, because a decode step issues hundreds of short tasks.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace llava {

class thread_pool {
public:
    using task = std::function<void(int ith, int nth)>;

    explicit thread_pool(int n_threads);
    ~thread_pool();
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    int size() const { return n_threads_; }

    // Runs `fn(ith, nth)` for ith = 0..nth-1 concurrently; rethrows the first
    // exception any thread raised. Not reentrant: one run at a time.
    void run(const task& fn);

private:
    void worker_loop(int ith);
    void execute(int ith);

    const int n_threads_;
    std::vector<std::thread> workers_;
    const task* current_ = nullptr;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    std::mutex failure_mutex_;
    std::exception_ptr failure_;
};

// The share of [0, n) that thread ith of nth works on (contiguous, balanced).
inline std::pair<int64_t, int64_t> thread_range(int64_t n, int ith, int nth) {
    return {n * ith / nth, n * (ith + 1) / nth};
}

} // namespace llava
