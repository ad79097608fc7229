// Cooperative cancellation. Long-running engine work polls an abort flag
// between kernels and throws `aborted` when it is set, so the caller regains
// control within one kernel's duration and the model stays usable.
#pragma once

#include <atomic>
#include <stdexcept>

namespace llava {

class aborted : public std::runtime_error {
public:
    aborted() : std::runtime_error("aborted") {}
};

inline void throw_if_aborted(const std::atomic<bool>* flag) {
    if (flag != nullptr && flag->load(std::memory_order_relaxed)) throw aborted();
}

} // namespace llava
