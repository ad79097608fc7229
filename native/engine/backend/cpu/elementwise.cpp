#include "backend/cpu/elementwise.h"

#include "backend/cpu/cpu_features.h"
#include "backend/cpu/elementwise_simd.h"

#include <cmath>

namespace llava {

void rms_norm(const float* x, const float* weight, float* out, int64_t rows, int64_t n, float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * n;
        float* yr = out + r * n;
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(xr[i] * xr[i]);
        const float mean = static_cast<float>(sum / static_cast<double>(n));
        const float scale = 1.0f / std::sqrt(mean + eps);
        // Two roundings, as llama.cpp's norm and mul operators produce.
        for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] * scale) * weight[i];
    }
}

void rope_adjacent(float* x, int64_t rows, int64_t row_stride, int64_t n_head, int64_t head_dim, int64_t n_rot,
                   const int32_t* positions, float freq_base, float freq_scale, rope_rounding rounding) {
    const float theta_scale = std::pow(freq_base, -2.0f / static_cast<float>(n_rot));
    for (int64_t r = 0; r < rows; ++r) {
        float* row = x + r * row_stride;
        float theta = static_cast<float>(positions[r]);
        for (int64_t i = 0; i < n_rot; i += 2) {
            const float angle = freq_scale * theta;
            const float c = std::cos(angle);
            const float s = std::sin(angle);
            for (int64_t h = 0; h < n_head; ++h) {
                float* pair = row + h * head_dim + i;
                const float a = pair[0];
                const float b = pair[1];
                if (rounding == rope_rounding::fused) {
                    pair[0] = std::fma(a, c, -(b * s));
                    pair[1] = std::fma(a, s, b * c);
                } else {
                    pair[0] = a * c - b * s;
                    pair[1] = a * s + b * c;
                }
            }
            theta *= theta_scale;
        }
    }
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
    const cpu_features& cpu = host_cpu_features();
    if (cpu.avx512f && cpu.avx512dq) {
        silu_mul_avx512(gate, up, out, n);
    } else if (cpu.avx2 && cpu.fma) {
        silu_mul_avx2(gate, up, out, n);
    } else {
        for (int64_t i = 0; i < n; ++i) out[i] = silu_times(gate[i], up[i]);
    }
}

void add_in_place(float* x, const float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t rows, int64_t n, float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * n;
        float* yr = out + r * n;
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(xr[i]);
        const double mean = sum / static_cast<double>(n);
        double sum_sq = 0.0; // second pass: no cancellation between Σx² and n·μ²
        for (int64_t i = 0; i < n; ++i) {
            const double d = static_cast<double>(xr[i]) - mean;
            sum_sq += d * d;
        }
        const double inv_std = 1.0 / std::sqrt(sum_sq / static_cast<double>(n) + static_cast<double>(eps));
        for (int64_t i = 0; i < n; ++i) {
            yr[i] = static_cast<float>((static_cast<double>(xr[i]) - mean) * inv_std) * weight[i] + bias[i];
        }
    }
}

void quick_gelu_in_place(float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-1.702f * x[i]));
}

void gelu_erf_in_place(float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(x[i]);
        x[i] = static_cast<float>(0.5 * v * (1.0 + std::erf(v * 0.70710678118654752440)));
    }
}

void gelu_tanh_in_place(float* x, int64_t n) {
    const double sqrt_2_over_pi = 0.79788456080286535588;
    for (int64_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(x[i]);
        x[i] = static_cast<float>(0.5 * v * (1.0 + std::tanh(sqrt_2_over_pi * (v + 0.044715 * v * v * v))));
    }
}

} // namespace llava
