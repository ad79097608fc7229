// Throughput of cpu_matmul at TinyLlama-1.1B shapes, decode (M = 1) and
// prefill (M = 64 and 512), for the common LLaVA weight formats. Prefill runs
// once with the AVX2 kernels (`avx2`: the AVX2 tiles for Q4_0 / Q8_0, per-row
// dot products for the rest) and once with the kernels cpu_matmul picks on
// this host (`auto`: the AVX-512 VNNI tiles where present).
//
// Usage: matmul_bench [threads=2] [seconds per case=0.3]
// Prints one row per case, from the fastest of the timed calls (the machine
// may be shared; the best time filters out interference): weight GB/s (weight
// bytes per call / time) and GFLOP/s (2·M·N·K / time), measured
//  - "dram": each call uses the next of several copies of W totalling at least
//    256 MiB, so W comes from memory, as in a real forward pass;
//  - "hot": the same W every call, so it stays in the last-level cache.
#include "backend/cpu/matmul.h"
#include "backend/cpu/thread_pool.h"
#include "common/random_normal.h"
#include "formats/quantize.h"
#include "formats/tensor_type.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using namespace llava;

// Quantizing a 5632 x 2048 matrix with the least-squares quantizers takes a
// while; the timing does not depend on the values, so a band of distinct rows
// is quantized once and repeated.
constexpr int64_t distinct_rows = 64;

std::vector<uint8_t> make_weights(tensor_type type, int64_t N, int64_t K) {
    uint64_t row_size = 0;
    row_bytes(type, static_cast<uint64_t>(K), row_size);
    std::vector<float> source(static_cast<size_t>(distinct_rows * K));
    fill_random_normal(source.data(), source.size(), 42, 0, 0.02f);
    std::vector<uint8_t> band(static_cast<size_t>(distinct_rows * row_size));
    for (int64_t r = 0; r < distinct_rows; ++r) quantize_row(type, source.data() + r * K, band.data() + r * row_size, K);
    std::vector<uint8_t> weights(static_cast<size_t>(N * row_size));
    for (int64_t n = 0; n < N; ++n) {
        std::memcpy(weights.data() + n * row_size, band.data() + (n % distinct_rows) * row_size, row_size);
    }
    return weights;
}

constexpr size_t dram_working_set_bytes = size_t{256} << 20;

// Fastest call, cycling through `copies` consecutive copies of W.
double best_seconds(thread_pool& pool, tensor_type type, const std::vector<uint8_t>& W, size_t copies, int64_t N,
                      int64_t K, const std::vector<float>& X, int64_t M, std::vector<float>& Y, double budget_seconds,
                      matmul_kernels kernels) {
    const size_t copy_bytes = W.size() / copies;
    matmul_workspace ws;
    cpu_matmul(pool, ws, type, W.data(), N, K, X.data(), M, Y.data(), N, kernels);  // warm-up
    double best = 1e30;
    double spent = 0.0;
    for (size_t call = 0; spent < budget_seconds || call < 5; ++call) {
        const uint8_t* weights = W.data() + (call % copies) * copy_bytes;
        const auto start = std::chrono::steady_clock::now();
        cpu_matmul(pool, ws, type, weights, N, K, X.data(), M, Y.data(), N, kernels);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best = std::min(best, seconds);
        spent += seconds;
    }
    return best;
}

} // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const double budget_seconds = argc > 2 ? std::atof(argv[2]) : 0.3;
    thread_pool pool(threads);
    std::printf("cpu_matmul, %d threads, auto = %s kernels\n", pool.size(),
                cpu_matmul_has_avx512vnni() ? "AVX-512 VNNI" : cpu_matmul_has_avx2() ? "AVX2" : "scalar");
    std::printf("%-6s %6s %6s %4s %-4s | %9s %9s %9s | %9s %9s\n", "type", "K", "N", "M", "kern", "dram ms", "GB/s",
                "GFLOP/s", "hot GB/s", "GFLOP/s");
    // Let the clock ramp up before the first timed case.
    for (const auto start = std::chrono::steady_clock::now();
         std::chrono::steady_clock::now() - start < std::chrono::milliseconds(300);) {
    }

    const tensor_type types[] = {tensor_type::Q4_0, tensor_type::Q8_0, tensor_type::Q4_K, tensor_type::Q6_K,
                                 tensor_type::F16};
    const int64_t shapes[][2] = {{2048, 2048}, {2048, 5632}, {5632, 2048}};  // {K, N}
    for (tensor_type type : types) {
        for (const auto& shape : shapes) {
            const int64_t K = shape[0], N = shape[1];
            const std::vector<uint8_t> one = make_weights(type, N, K);
            const size_t copies = (dram_working_set_bytes + one.size() - 1) / one.size();
            std::vector<uint8_t> many(copies * one.size());
            for (size_t c = 0; c < copies; ++c) std::memcpy(many.data() + c * one.size(), one.data(), one.size());
            for (int64_t M : {1, 64, 512}) {
                std::vector<float> X(static_cast<size_t>(M * K));
                fill_random_normal(X.data(), X.size(), 7, 0, 1.0f);
                std::vector<float> Y(static_cast<size_t>(M * N));
                for (matmul_kernels kernels : {matmul_kernels::avx2, matmul_kernels::automatic}) {
                    if (M == 1 && kernels == matmul_kernels::avx2) continue;  // decoding: one kernel set
                    if (kernels == matmul_kernels::avx2 && !cpu_matmul_has_avx2()) continue;
                    const double dram = best_seconds(pool, type, many, copies, N, K, X, M, Y, budget_seconds, kernels);
                    const double hot = best_seconds(pool, type, one, 1, N, K, X, M, Y, budget_seconds, kernels);
                    const double bytes = static_cast<double>(one.size());
                    const double flops = 2.0 * static_cast<double>(M * N * K);
                    std::printf("%-6s %6lld %6lld %4lld %-4s | %9.3f %9.2f %9.2f | %9.2f %9.2f\n",
                                find_tensor_type(static_cast<uint32_t>(type))->name, static_cast<long long>(K),
                                static_cast<long long>(N), static_cast<long long>(M),
                                kernels == matmul_kernels::avx2 ? "avx2" : "auto", dram * 1e3, bytes / dram * 1e-9,
                                flops / dram * 1e-9, bytes / hot * 1e-9, flops / hot * 1e-9);
                }
            }
        }
    }
    return 0;
}
