// Grow-only device scratch memory reused across kernel launches (quantized
// activations, partial attention results). Growing frees the old allocation
// first; cudaFree waits for the device, so work still reading it completes.
#pragma once

#include "backend/cuda/device_buffer.h"

#include <cstddef>
#include <memory>

namespace llava {

class cuda_workspace {
public:
    // A device pointer to at least `bytes` bytes, valid until the next call.
    void* reserve(size_t bytes) {
        if (!buffer_ || buffer_->bytes() < bytes) {
            buffer_.reset();
            buffer_ = std::make_unique<device_buffer>(bytes);
        }
        return buffer_->as<void>();
    }

private:
    std::unique_ptr<device_buffer> buffer_;
};

} // namespace llava
