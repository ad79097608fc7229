// Owning, movable handle for one device allocation (freed on scope exit, also when an
// exception unwinds through a kernel launch sequence).
#pragma once

#include "backend/cuda/cuda_check.h"

#include <cstddef>

namespace llava {

class device_buffer {
public:
    explicit device_buffer(size_t bytes) : bytes_(bytes) {
        if (bytes > 0) cuda_check(cudaMalloc(&data_, bytes), "cudaMalloc");
    }
    ~device_buffer() {
        if (data_ != nullptr) cudaFree(data_);
    }
    device_buffer(const device_buffer&) = delete;
    device_buffer& operator=(const device_buffer&) = delete;
    device_buffer(device_buffer&& other) noexcept : data_(other.data_), bytes_(other.bytes_) {
        other.data_ = nullptr;
        other.bytes_ = 0;
    }
    device_buffer& operator=(device_buffer&& other) noexcept {
        if (this != &other) {
            if (data_ != nullptr) cudaFree(data_);
            data_ = other.data_;
            bytes_ = other.bytes_;
            other.data_ = nullptr;
            other.bytes_ = 0;
        }
        return *this;
    }

    template <typename T>
    T* as() const {
        return static_cast<T*>(data_);
    }
    size_t bytes() const { return bytes_; }

private:
    void* data_ = nullptr;
    size_t bytes_;
};

} // namespace llava
