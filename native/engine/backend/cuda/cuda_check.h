// Turns CUDA runtime failures into exceptions (the engine never aborts):
// every runtime call's status goes through cuda_check.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace llava {

class cuda_error : public std::runtime_error {
public:
    cuda_error(cudaError_t status, const char* what)
        : std::runtime_error(std::string(what) + ": " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")"),
          status_(status) {}
    cudaError_t status() const { return status_; }

private:
    cudaError_t status_;
};

inline void cuda_check(cudaError_t status, const char* what) {
    if (status != cudaSuccess) throw cuda_error(status, what);
}

} // namespace llava
