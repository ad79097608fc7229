// cpu_matmul_f32_activations against a float64 product of the dequantized
// weights and the unconverted f32 activations, on fresh random inputs, for
// every weight format, odd shapes and several thread counts. The output is
// poisoned first and its padding columns must stay untouched.
//
// Usage: matmul_f32_activations_test [seed]
#include "check.h"

#include "backend/cpu/dequantize_cpu.h"
#include "backend/cpu/matmul_f32_activations.h"
#include "common/random_normal.h"
#include "formats/quantize.h"
#include "formats/tensor_type.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace llava;

void check_case(thread_pool& pool, tensor_type type, int64_t M, int64_t N, int64_t K, uint64_t seed) {
    std::vector<float> w(static_cast<size_t>(N * K)), x(static_cast<size_t>(M * K));
    fill_random_normal(w.data(), w.size(), seed, 0, 1.0f);
    fill_random_normal(x.data(), x.size(), seed + 1, 0, 1.0f);
    uint64_t row_size = 0;
    row_bytes(type, static_cast<uint64_t>(K), row_size);
    std::vector<uint8_t> encoded(static_cast<size_t>(row_size * N));
    for (int64_t n = 0; n < N; ++n) quantize_row(type, w.data() + n * K, encoded.data() + n * row_size, K);
    std::vector<float> dequantized(w.size());
    for (int64_t n = 0; n < N; ++n) cpu_dequantize_row(type, encoded.data() + n * row_size, dequantized.data() + n * K, K);

    const int64_t ldy = N + 3; // padding columns that must stay untouched
    std::vector<float> y(static_cast<size_t>(M * ldy), std::numeric_limits<float>::quiet_NaN());
    matmul_workspace ws;
    cpu_matmul_f32_activations(pool, ws, type, encoded.data(), N, K, x.data(), M, y.data(), ldy);

    double diff2 = 0, ref2 = 0;
    bool padding_intact = true;
    for (int64_t m = 0; m < M; ++m) {
        for (int64_t n = 0; n < N; ++n) {
            double ref = 0;
            for (int64_t k = 0; k < K; ++k) ref += static_cast<double>(dequantized[n * K + k]) * x[m * K + k];
            const double d = y[m * ldy + n] - ref; // NaN when unwritten
            diff2 += d * d;
            ref2 += ref * ref;
        }
        for (int64_t n = N; n < ldy; ++n) padding_intact = padding_intact && std::isnan(y[m * ldy + n]);
    }
    const double rel = std::sqrt(diff2 / ref2);
    char line[200];
    std::snprintf(line, sizeof line, "%s M=%lld N=%lld K=%lld threads=%d: rel %.2e (tol 1e-5)%s",
                  find_tensor_type(static_cast<uint32_t>(type))->name, static_cast<long long>(M),
                  static_cast<long long>(N), static_cast<long long>(K), pool.size(), rel,
                  padding_intact ? "" : ", padding overwritten");
    // f32 sums of up to K products against float64: ~1e-7 relative; 1e-5 leaves a wide margin.
    llava_test::check(rel <= 1e-5 && padding_intact, line);
}

} // namespace

int main(int argc, char** argv) {
    const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : std::random_device{}();
    std::printf("seed: %llu\n", static_cast<unsigned long long>(seed));
    const tensor_type types[] = {tensor_type::F32, tensor_type::F16, tensor_type::BF16, tensor_type::Q4_0,
                                 tensor_type::Q4_1, tensor_type::Q5_0, tensor_type::Q5_1, tensor_type::Q8_0,
                                 tensor_type::Q2_K, tensor_type::Q3_K, tensor_type::Q4_K, tensor_type::Q5_K,
                                 tensor_type::Q6_K, tensor_type::IQ4_NL, tensor_type::IQ4_XS};
    uint64_t s = seed;
    for (int threads : {1, 3}) {
        thread_pool pool(threads);
        for (tensor_type type : types) {
            check_case(pool, type, 1, 7, 512, s += 2);
            check_case(pool, type, 5, 300, 256, s += 2);   // odd N
            check_case(pool, type, 3, 1100, 1024, s += 2); // N spans several 256-row chunks at K = 1024
        }
    }
    return llava_test::finish();
}
