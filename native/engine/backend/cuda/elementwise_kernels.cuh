// Kernel bodies of the CUDA per-row operations (dispatch: elementwise.cu).
#pragma once

#include "backend/cuda/device_math.cuh"

#include <cstdint>

namespace llava {
namespace cuda_detail {

constexpr int norm_threads = 256;
constexpr int pointwise_threads = 256;

// One block per row of n. Σ x² in double over f32 products (as the CPU), then
// out = (x · scale) · w with two roundings.
__global__ void __launch_bounds__(norm_threads)
    rms_norm_kernel(const float* x, const float* __restrict__ weight, float* out, int64_t n,
                    float eps) {
    __shared__ double scratch[32];
    const float* xr = x + static_cast<int64_t>(blockIdx.x) * n;
    float* yr = out + static_cast<int64_t>(blockIdx.x) * n;
    double sum = 0.0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) sum += static_cast<double>(__fmul_rn(xr[i], xr[i]));
    sum = block_sum(sum, scratch);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    const float scale = 1.0f / sqrtf(mean + eps);
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) yr[i] = __fmul_rn(__fmul_rn(xr[i], scale), weight[i]);
}

// One block per row: mean and centred sum of squares in double (two passes).
__global__ void __launch_bounds__(norm_threads)
    layer_norm_kernel(const float* x, const float* __restrict__ weight, const float* __restrict__ bias, float* out,
                      int64_t n, float eps) {
    __shared__ double scratch[32];
    const float* xr = x + static_cast<int64_t>(blockIdx.x) * n;
    float* yr = out + static_cast<int64_t>(blockIdx.x) * n;
    double sum = 0.0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) sum += static_cast<double>(xr[i]);
    const double mean = block_sum(sum, scratch) / static_cast<double>(n);
    double sum_sq = 0.0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
        const double d = static_cast<double>(xr[i]) - mean;
        sum_sq += d * d;
    }
    const double inv_std = 1.0 / sqrt(block_sum(sum_sq, scratch) / static_cast<double>(n) + static_cast<double>(eps));
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
        const float normed = static_cast<float>((static_cast<double>(xr[i]) - mean) * inv_std);
        yr[i] = __fadd_rn(__fmul_rn(normed, weight[i]), bias[i]);
    }
}

// One thread per (row, pair i): θ = pos · theta_scale^i by i multiplications,
// the CPU's sequence, then the pair of every head rotates by freq_scale · θ.
__global__ void rope_adjacent_kernel(float* x, int64_t rows, int64_t row_stride, int64_t n_head, int64_t head_dim,
                                     int64_t n_pairs, const int32_t* __restrict__ positions, float theta_scale,
                                     float freq_scale) {
    const int64_t item = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (item >= rows * n_pairs) return;
    const int64_t r = item / n_pairs;
    const int64_t pair = item % n_pairs;
    float theta = static_cast<float>(positions[r]);
    for (int64_t i = 0; i < pair; ++i) theta = __fmul_rn(theta, theta_scale);
    const float angle = __fmul_rn(freq_scale, theta);
    const float c = cosf(angle);
    const float s = sinf(angle);
    float* row = x + r * row_stride + 2 * pair;
    for (int64_t h = 0; h < n_head; ++h) {
        float* p = row + h * head_dim;
        const float a = p[0];
        const float b = p[1];
        p[0] = __fsub_rn(__fmul_rn(a, c), __fmul_rn(b, s));
        p[1] = __fadd_rn(__fmul_rn(a, s), __fmul_rn(b, c));
    }
}

// Pointwise operations: grid-stride loops over n elements.
struct silu_mul_op {
    __device__ static float apply(float g, float up) { return __fmul_rn(g / (1.0f + expf(-g)), up); }
};
struct add_op {
    __device__ static float apply(float x, float y) { return __fadd_rn(x, y); }
};
struct quick_gelu_op {
    __device__ static float apply(float x) { return x / (1.0f + expf(__fmul_rn(-1.702f, x))); }
};
struct gelu_erf_op {
    __device__ static float apply(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }
};
struct gelu_tanh_op {
    __device__ static float apply(float x) {
        return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    }
};

template <typename Op>
__global__ void binary_kernel(const float* a, const float* b, float* out, int64_t n) {
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        out[i] = Op::apply(a[i], b[i]);
    }
}

template <typename Op>
__global__ void unary_in_place_kernel(float* x, int64_t n) {
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        x[i] = Op::apply(x[i]);
    }
}

} // namespace cuda_detail
} // namespace llava
