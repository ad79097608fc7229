#include "backend/cpu/thread_pool.h"

namespace llava {

namespace {

// Polls before sleeping: long enough to bridge the gap between two kernels of
// one step, short enough not to burn a core between steps.
constexpr int spin_iterations = 20000;
// Past this many polls a waiting thread yields its core on each poll, so that
// when the machine is oversubscribed (other processes, more threads than
// cores) the thread it waits for gets to run instead of a spinner.
constexpr int busy_iterations = 1000;

inline void wait_a_little(int iteration) {
    if (iteration >= busy_iterations) {
        std::this_thread::yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

} // namespace

thread_pool::thread_pool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
    workers_.reserve(static_cast<size_t>(n_threads_ - 1));
    for (int ith = 1; ith < n_threads_; ++ith) workers_.emplace_back([this, ith] { worker_loop(ith); });
}

thread_pool::~thread_pool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_.store(true);
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
}

void thread_pool::execute(int ith) {
    try {
        (*current_)(ith, n_threads_);
    } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex_);
        if (!failure_) failure_ = std::current_exception();
    }
}

void thread_pool::run(const task& fn) {
    if (n_threads_ == 1) {
        fn(0, 1);
        return;
    }
    failure_ = nullptr;
    current_ = &fn;
    pending_.store(n_threads_ - 1);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    execute(0);
    // Wait for the others: spin first (they usually finish together), then sleep.
    for (int i = 0; i < spin_iterations && pending_.load() != 0; ++i) wait_a_little(i);
    if (pending_.load() != 0) {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return pending_.load() == 0; });
    }
    current_ = nullptr;
    if (failure_) std::rethrow_exception(failure_);
}

void thread_pool::worker_loop(int ith) {
    uint64_t seen = 0;
    for (;;) {
        int spins = 0;
        while (generation_.load() == seen && spins < spin_iterations) wait_a_little(spins++);
        if (generation_.load() == seen) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load() != seen; });
        }
        seen = generation_.load();
        if (stopping_.load()) return;
        execute(ith);
        if (pending_.fetch_sub(1) == 1) {
            std::lock_guard<std::mutex> lock(mutex_);
            done_.notify_one();
        }
    }
}

} // namespace llava
