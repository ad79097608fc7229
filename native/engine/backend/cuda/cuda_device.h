// The CUDA devices this process can use. Listing them is also the probe the
// addon loader uses to decide between the CUDA and the CPU addon.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llava {

struct cuda_device_info {
    int index;
    std::string name;
    int major; // compute capability
    int minor;
    uint64_t total_memory;
};

// Throws cuda_error when no driver or no device is present.
std::vector<cuda_device_info> list_cuda_devices();

} // namespace llava
