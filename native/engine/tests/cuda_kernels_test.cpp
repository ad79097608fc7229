// CUDA kernels checked against the CPU engine on fresh random inputs (needs a
// GPU; built only with LLAVA_CUDA). Prints one line per check and exits
// non-zero on any failure, including any CUDA error.
//
// Dequantization must be bit-identical: both sides run the same block decoders.
#include "check.h"
#include "backend/cuda/cuda_check.h"
#include "backend/cuda/cuda_device.h"
#include "backend/cuda/dequantize.h"
#include "common/random_normal.h"
#include "formats/dequantize.h"
#include "formats/quantize.h"
#include "formats/tensor_type.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>

namespace {

using llava::tensor_type;

void check(bool ok, const char* what, const char* detail) { llava_test::check(ok, std::string(what) + " " + detail); }

// Quantizes fresh random rows on the CPU, dequantizes them on both sides, and
// compares bit for bit. The GPU output is poisoned first (NaN bytes) so an
// element the kernel never writes cannot pass by accident.
void check_dequantize(tensor_type type, int64_t row_length, int64_t rows, uint64_t seed) {
    const llava::tensor_type_traits* traits = llava::find_tensor_type(static_cast<uint32_t>(type));
    const int64_t n = row_length * rows;
    std::vector<float> source(static_cast<size_t>(n));
    llava::fill_random_normal(source.data(), static_cast<uint64_t>(n), seed, 0, 1.0f);
    uint64_t row_size = 0;
    llava::row_bytes(type, static_cast<uint64_t>(row_length), row_size);
    std::vector<uint8_t> encoded(static_cast<size_t>(row_size * rows));
    for (int64_t r = 0; r < rows; ++r) {
        llava::quantize_row(type, source.data() + r * row_length, encoded.data() + r * row_size, row_length);
    }
    std::vector<float> cpu(static_cast<size_t>(n));
    llava::dequantize_row(type, encoded.data(), cpu.data(), n);
    std::vector<float> gpu(static_cast<size_t>(n));
    std::memset(gpu.data(), 0xFF, gpu.size() * sizeof(float));
    llava::cuda_dequantize_host(type, encoded.data(), encoded.size(), gpu.data(), n);
    const bool same = std::memcmp(cpu.data(), gpu.data(), cpu.size() * sizeof(float)) == 0;
    char detail[96];
    std::snprintf(detail, sizeof detail, "%s %lldx%lld", traits->name, static_cast<long long>(row_length),
                  static_cast<long long>(rows));
    check(same, "dequantize bit-exact", detail);
}

} // namespace

int main() {
    try {
        const std::vector<llava::cuda_device_info> devices = llava::list_cuda_devices();
        if (devices.empty()) {
            std::printf("FAIL no CUDA device\n");
            return 1;
        }
        std::printf("device: %s (sm_%d%d)\n", devices[0].name.c_str(), devices[0].major, devices[0].minor);
        uint64_t seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        std::printf("seed: %llu\n", static_cast<unsigned long long>(seed));
        for (uint32_t id = 0; id < 64; ++id) {
            const llava::tensor_type_traits* traits = llava::find_tensor_type(id);
            if (traits == nullptr || !traits->can_dequantize) continue;
            // Several shapes, including a single block and an odd row count.
            check_dequantize(traits->type, 256, 1, ++seed);
            check_dequantize(traits->type, 4096, 7, ++seed);
            check_dequantize(traits->type, 11008, 33, ++seed);
        }
    } catch (const std::exception& e) {
        std::printf("FAIL %s\n", e.what());
        return 1;
    }
    return llava_test::finish();
}
