// Dispatch of the CUDA per-row operations (kernel bodies: elementwise_kernels.cuh).
#include "backend/cuda/elementwise.h"

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/elementwise_kernels.cuh"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace llava {

namespace {

using namespace cuda_detail;

constexpr unsigned max_pointwise_blocks = 65535;

unsigned pointwise_grid(int64_t n) {
    return std::min<unsigned>(max_pointwise_blocks, std::max(1u, blocks_for(n, pointwise_threads)));
}

void check_rows(int64_t rows, int64_t n, const char* what) {
    if (rows < 0 || n <= 0 || rows > 0x7fffffff) throw std::invalid_argument(what);
}

template <typename Op>
void run_binary(const float* a, const float* b, float* out, int64_t n, void* stream, const char* what) {
    if (n < 0) throw std::invalid_argument(what);
    if (n == 0) return;
    binary_kernel<Op><<<pointwise_grid(n), pointwise_threads, 0, static_cast<cudaStream_t>(stream)>>>(a, b, out, n);
    cuda_check(cudaGetLastError(), what);
}

template <typename Op>
void run_unary(float* x, int64_t n, void* stream, const char* what) {
    if (n < 0) throw std::invalid_argument(what);
    if (n == 0) return;
    unary_in_place_kernel<Op><<<pointwise_grid(n), pointwise_threads, 0, static_cast<cudaStream_t>(stream)>>>(x, n);
    cuda_check(cudaGetLastError(), what);
}

} // namespace

void cuda_rms_norm(const float* x, const float* weight, float* out, int64_t rows, int64_t n, float eps, void* stream) {
    check_rows(rows, n, "cuda_rms_norm: bad sizes");
    if (rows == 0) return;
    rms_norm_kernel<<<static_cast<unsigned>(rows), norm_threads, 0, static_cast<cudaStream_t>(stream)>>>(x, weight, out,
                                                                                                         n, eps);
    cuda_check(cudaGetLastError(), "rms_norm_kernel launch");
}

void cuda_layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t rows, int64_t n,
                     float eps, void* stream) {
    check_rows(rows, n, "cuda_layer_norm: bad sizes");
    if (rows == 0) return;
    layer_norm_kernel<<<static_cast<unsigned>(rows), norm_threads, 0, static_cast<cudaStream_t>(stream)>>>(
        x, weight, bias, out, n, eps);
    cuda_check(cudaGetLastError(), "layer_norm_kernel launch");
}

void cuda_rope_adjacent(float* x, int64_t rows, int64_t row_stride, int64_t n_head, int64_t head_dim, int64_t n_rot,
                        const int32_t* positions, float freq_base, float freq_scale, void* stream) {
    if (rows < 0 || n_head < 0 || n_rot < 0 || n_rot % 2 != 0 || n_rot > head_dim || row_stride < n_head * head_dim) {
        throw std::invalid_argument("cuda_rope_adjacent: bad sizes");
    }
    const int64_t n_pairs = n_rot / 2;
    if (rows == 0 || n_pairs == 0 || n_head == 0) return;
    // The same f32 power as the CPU, computed on the host.
    const float theta_scale = std::pow(freq_base, -2.0f / static_cast<float>(n_rot));
    rope_adjacent_kernel<<<blocks_for(rows * n_pairs, pointwise_threads), pointwise_threads, 0,
                           static_cast<cudaStream_t>(stream)>>>(x, rows, row_stride, n_head, head_dim, n_pairs,
                                                                positions, theta_scale, freq_scale);
    cuda_check(cudaGetLastError(), "rope_adjacent_kernel launch");
}

void cuda_silu_mul(const float* gate, const float* up, float* out, int64_t n, void* stream) {
    run_binary<silu_mul_op>(gate, up, out, n, stream, "cuda_silu_mul");
}

void cuda_add_in_place(float* x, const float* y, int64_t n, void* stream) {
    run_binary<add_op>(x, y, x, n, stream, "cuda_add_in_place");
}

void cuda_quick_gelu_in_place(float* x, int64_t n, void* stream) {
    run_unary<quick_gelu_op>(x, n, stream, "cuda_quick_gelu_in_place");
}

void cuda_gelu_erf_in_place(float* x, int64_t n, void* stream) {
    run_unary<gelu_erf_op>(x, n, stream, "cuda_gelu_erf_in_place");
}

void cuda_gelu_tanh_in_place(float* x, int64_t n, void* stream) {
    run_unary<gelu_tanh_op>(x, n, stream, "cuda_gelu_tanh_in_place");
}

} // namespace llava
