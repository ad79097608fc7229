#include "backend/cuda/cuda_device.h"

#include "backend/cuda/cuda_check.h"

namespace llava {

std::vector<cuda_device_info> list_cuda_devices() {
    int count = 0;
    cuda_check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
    std::vector<cuda_device_info> devices;
    devices.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        cuda_check(cudaGetDeviceProperties(&prop, i), "cudaGetDeviceProperties");
        devices.push_back({i, prop.name, prop.major, prop.minor, static_cast<uint64_t>(prop.totalGlobalMem)});
    }
    return devices;
}

} // namespace llava
