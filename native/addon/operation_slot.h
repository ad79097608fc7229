// One operation at a time on a native object that JS drives (a model's
// evaluate, a vision tower's encode), and the flag that aborts the one in
// flight. The owner keeps an operation_slot; each operation calls begin() on
// the JS thread, and its worker holds an operation_end until it finishes.
#pragma once

#include <atomic>
#include <memory>

namespace llava_addon {

struct operation_flags {
    std::atomic<bool> busy{false};
    std::atomic<bool> abort{false}; // polled by the engine between kernels
};

// Clears `busy` when the worker is done, however it ends.
struct operation_end {
    std::shared_ptr<operation_flags> flags;
    ~operation_end() { flags->busy.store(false); }
};

class operation_slot {
public:
    bool busy() const { return flags_->busy.load(); }
    // Aborts the operation in flight; a later begin() starts un-aborted.
    void abort() { flags_->abort.store(true); }
    // Marks an operation as started; the flags outlive the owner while a worker holds them.
    std::shared_ptr<operation_flags> begin() {
        flags_->abort.store(false);
        flags_->busy.store(true);
        return flags_;
    }

private:
    std::shared_ptr<operation_flags> flags_ = std::make_shared<operation_flags>();
};

} // namespace llava_addon
