// Splits [0, n) into one contiguous range per hardware thread and runs them
// concurrently. For coarse, independent work (quantizing rows, filling random
// tensors); the inference kernels get a persistent thread pool of their own.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace llava {

template <typename Body> // Body(uint64_t begin, uint64_t end)
void parallel_for(uint64_t n, Body&& body, uint64_t min_per_thread = 1024) {
    const uint64_t hw = std::max(1u, std::thread::hardware_concurrency());
    const uint64_t threads = std::max<uint64_t>(1, std::min(hw, n / std::max<uint64_t>(1, min_per_thread)));
    if (threads == 1) {
        body(uint64_t{0}, n);
        return;
    }
    std::exception_ptr failure;
    std::mutex failure_mutex;
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (uint64_t t = 0; t < threads; ++t) {
        const uint64_t begin = n * t / threads;
        const uint64_t end = n * (t + 1) / threads;
        pool.emplace_back([&, begin, end] {
            try {
                body(begin, end);
            } catch (...) {
                std::lock_guard<std::mutex> lock(failure_mutex);
                if (!failure) failure = std::current_exception();
            }
        });
    }
    for (std::thread& thread : pool) thread.join();
    if (failure) std::rethrow_exception(failure);
}

} // namespace llava
