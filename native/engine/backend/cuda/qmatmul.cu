// Dispatch of the CUDA matmul (kernel bodies: qmatmul_kernels.cuh).
#include "backend/cuda/qmatmul.h"

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/device_buffer.h"
#include "backend/cuda/qmatmul_kernels.cuh"

#include <stdexcept>

namespace llava {

namespace {

using namespace cuda_detail;

struct matmul_args {
    const uint8_t* W;
    size_t row_bytes;
    int64_t N;
    int64_t K;
    const float* X;
    int64_t M;
    float* Y;
    int64_t ldy;
    cudaStream_t stream;
};

template <typename Format>
void launch_prefill(const matmul_args& a) {
    const dim3 grid(blocks_for(a.N, prefill_tile_n), blocks_for(a.M, prefill_tile_m));
    if (grid.y > 65535u) throw std::invalid_argument("cuda_matmul: M too large");
    prefill_tile_kernel<Format><<<grid, prefill_threads, 0, a.stream>>>(a.W, a.row_bytes, a.N, a.K, a.X, a.M, a.Y, a.ldy);
}

template <typename Unit>
void launch_prefill_mma(const matmul_args& a) {
    const dim3 grid(blocks_for(a.N, mma_tile_n), blocks_for(a.M, mma_tile_m));
    if (grid.y > 65535u) throw std::invalid_argument("cuda_matmul: M too large");
    prefill_mma_kernel<Unit><<<grid, mma_threads, 0, a.stream>>>(a.W, a.row_bytes, a.N, a.K, a.X, a.M, a.Y, a.ldy);
}

// Runs the tensor-core prefill kernel for `type`; false when it has none.
bool try_prefill_mma(tensor_type type, const matmul_args& a) {
    switch (type) {
        case tensor_type::Q4_0: launch_prefill_mma<dp4a_q4_0>(a); return true;
        case tensor_type::Q8_0: launch_prefill_mma<dp4a_q8_0>(a); return true;
        case tensor_type::Q4_K: launch_prefill_mma<dp4a_q4_K>(a); return true;
        case tensor_type::Q6_K: launch_prefill_mma<dp4a_q6_K>(a); return true;
        default: return false;
    }
}

template <typename Format>
void launch_decode_float(const matmul_args& a) {
    decode_float_kernel<Format><<<blocks_for(a.N, decode_warps), decode_warps * 32, 0, a.stream>>>(
        a.W, a.row_bytes, a.N, a.K, a.X, static_cast<int>(a.M), a.Y, a.ldy);
}

template <typename Unit>
void launch_decode_dp4a(const matmul_args& a, cuda_workspace& ws) {
    const int64_t units_per_row = a.K / 32;
    const int64_t n_blocks = a.M * units_per_row;
    auto* xq = static_cast<q8_activation_block*>(ws.reserve(static_cast<size_t>(n_blocks) * sizeof(q8_activation_block)));
    constexpr int quantize_warps = 8;
    quantize_q8_kernel<<<blocks_for(n_blocks, quantize_warps), quantize_warps * 32, 0, a.stream>>>(a.X, xq, n_blocks);
    cuda_check(cudaGetLastError(), "quantize_q8_kernel launch");
    decode_dp4a_kernel<Unit><<<blocks_for(a.N, decode_warps), decode_warps * 32, 0, a.stream>>>(
        a.W, a.row_bytes, a.N, units_per_row, xq, static_cast<int>(a.M), a.Y, a.ldy);
}

// Runs the dp4a decode kernel for `type`; false when it has none.
bool try_decode_dp4a(tensor_type type, const matmul_args& a, cuda_workspace& ws) {
    switch (type) {
        case tensor_type::Q4_0: launch_decode_dp4a<dp4a_q4_0>(a, ws); return true;
        case tensor_type::Q8_0: launch_decode_dp4a<dp4a_q8_0>(a, ws); return true;
        case tensor_type::Q4_K: launch_decode_dp4a<dp4a_q4_K>(a, ws); return true;
        case tensor_type::Q6_K: launch_decode_dp4a<dp4a_q6_K>(a, ws); return true;
        default: return false;
    }
}

} // namespace

bool cuda_matmul_supports(tensor_type type) {
    return visit_weight_format(type, [](auto) {});
}

bool cuda_matmul_uses_dp4a(tensor_type type) {
    return type == tensor_type::Q4_0 || type == tensor_type::Q8_0 || type == tensor_type::Q4_K ||
           type == tensor_type::Q6_K;
}

bool cuda_matmul_uses_tensor_cores(tensor_type type) { return cuda_matmul_uses_dp4a(type); }

void cuda_matmul(tensor_type type, const void* W, int64_t N, int64_t K, const float* X, int64_t M, float* Y,
                 int64_t ldy, cuda_workspace& ws, void* stream, cuda_matmul_path path) {
    if (!cuda_matmul_supports(type)) throw std::invalid_argument("cuda_matmul: unsupported weight type");
    if (N < 0 || K < 0 || M < 0) throw std::invalid_argument("cuda_matmul: negative size");
    if (M > 1 && ldy < N) throw std::invalid_argument("cuda_matmul: ldy < N");
    uint64_t row_size = 0;
    if (!row_bytes(type, static_cast<uint64_t>(K), row_size)) {
        throw std::invalid_argument("cuda_matmul: K is not a multiple of the block size");
    }
    if (path == cuda_matmul_path::automatic) {
        path = M <= cuda_matmul_decode_rows ? cuda_matmul_path::decode : cuda_matmul_path::prefill;
    }
    if (path == cuda_matmul_path::decode && M > cuda_matmul_decode_rows) {
        throw std::invalid_argument("cuda_matmul: decode path takes at most 8 rows");
    }
    if (M == 0 || N == 0) return;
    const matmul_args a{static_cast<const uint8_t*>(W), static_cast<size_t>(row_size), N, K, X, M, Y, ldy,
                        static_cast<cudaStream_t>(stream)};
    if (K == 0) {
        for (int64_t m = 0; m < M; ++m) {
            cuda_check(cudaMemsetAsync(Y + m * ldy, 0, static_cast<size_t>(N) * sizeof(float), a.stream), "cudaMemsetAsync");
        }
        return;
    }
    switch (path) {
        case cuda_matmul_path::decode:
            if (!try_decode_dp4a(type, a, ws)) {
                visit_weight_format(type, [&](auto format) { launch_decode_float<decltype(format)>(a); });
            }
            break;
        case cuda_matmul_path::prefill:
            if (try_prefill_mma(type, a)) break;
            [[fallthrough]];
        case cuda_matmul_path::prefill_f32:
            visit_weight_format(type, [&](auto format) { launch_prefill<decltype(format)>(a); });
            break;
        case cuda_matmul_path::automatic: break; // resolved above
    }
    cuda_check(cudaGetLastError(), "cuda_matmul kernel launch");
}

void cuda_matmul_host(tensor_type type, const void* W, uint64_t w_bytes, int64_t N, int64_t K, const float* X,
                      int64_t M, float* Y, int64_t ldy, cuda_matmul_path path) {
    const int64_t y_elements = M > 0 ? (M - 1) * ldy + N : 0;
    device_buffer w(w_bytes);
    device_buffer x(static_cast<size_t>(M * K) * sizeof(float));
    device_buffer y(static_cast<size_t>(y_elements) * sizeof(float));
    cuda_workspace ws;
    cuda_check(cudaMemcpy(w.as<void>(), W, w_bytes, cudaMemcpyHostToDevice), "cudaMemcpy to device");
    cuda_check(cudaMemcpy(x.as<void>(), X, x.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy to device");
    // Poisoned: an element the kernel does not write comes back as NaN (also the gaps when ldy > N).
    cuda_check(cudaMemset(y.as<void>(), 0xFF, y.bytes()), "cudaMemset");
    cuda_matmul(type, w.as<void>(), N, K, x.as<float>(), M, y.as<float>(), ldy, ws, nullptr, path);
    cuda_check(cudaDeviceSynchronize(), "cuda_matmul");
    cuda_check(cudaMemcpy(Y, y.as<void>(), y.bytes(), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
}

} // namespace llava
