#include "backend/cpu/matmul_f32_activations.h"

#include "backend/cpu/dequantize_cpu.h"

#include <algorithm>
#include <stdexcept>

namespace llava {

namespace {

// Floats of dequantized weights per chunk: 1 MiB, about an L2 cache, so the
// chunk is still warm when the f32 product reads it.
constexpr int64_t chunk_floats = 1 << 18;

} // namespace

void cpu_matmul_f32_activations(thread_pool& pool, matmul_workspace& ws, tensor_type type, const void* W, int64_t N,
                                int64_t K, const float* X, int64_t M, float* Y, int64_t ldy) {
    if (type == tensor_type::F32) {
        cpu_matmul(pool, ws, type, W, N, K, X, M, Y, ldy);
        return;
    }
    const tensor_type_traits* traits = find_tensor_type(static_cast<uint32_t>(type));
    uint64_t row_size = 0;
    if (traits == nullptr || !traits->can_dequantize || K < 0 || N < 0 || !row_bytes(type, static_cast<uint64_t>(K), row_size)) {
        throw std::invalid_argument("cpu_matmul_f32_activations: unsupported type or K not a whole number of blocks");
    }
    if (N == 0 || M == 0) return;
    const int64_t chunk_rows = std::clamp<int64_t>(chunk_floats / std::max<int64_t>(K, 1), 1, N);
    ws.dequantized_weights.resize(static_cast<size_t>(chunk_rows * K));
    float* chunk = ws.dequantized_weights.data(); // [chunk_rows][K]
    const auto* bytes = static_cast<const uint8_t*>(W);
    for (int64_t n0 = 0; n0 < N; n0 += chunk_rows) {
        const int64_t rows = std::min(chunk_rows, N - n0);
        pool.run([&](int ith, int nth) {
            const auto [begin, end] = thread_range(rows, ith, nth);
            for (int64_t r = begin; r < end; ++r) {
                cpu_dequantize_row(type, bytes + static_cast<uint64_t>(n0 + r) * row_size, chunk + r * K, K);
            }
        });
        cpu_matmul(pool, ws, tensor_type::F32, chunk, rows, K, X, M, Y + n0, ldy);
    }
}

} // namespace llava
