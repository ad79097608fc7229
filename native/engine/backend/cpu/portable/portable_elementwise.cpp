#include "backend/cpu/portable/portable_elementwise.h"

#include "formats/half.h"

#include <cmath>

namespace llava {

float exp_portable(float x) {
    const float round_shift = 0x1.8p23f;
    const float shifted = x * 0x1.715476p+0f + round_shift;
    const float n = shifted - round_shift;
    const float b = (x - n * 0x1.62e4p-1f) - n * 0x1.7f7d1cp-20f;
    const uint32_t exponent = float_bits(shifted) << 23;
    const float scale = float_from_bits(exponent + float_bits(1.0f)); // 2^n
    const float b2 = b * b;
    const float poly = ((0x1.0e4020p-7f * b + 0x1.573e2ep-5f) * b2 + (0x1.555e66p-3f * b + 0x1.fffdb6p-2f)) * b2 +
                       0x1.ffffecp-1f * b; // e^b − 1
    const float abs_n = std::fabs(n);
    if (!(abs_n > 126.0f)) return poly * scale + scale;
    if (abs_n > 192.0f) {
        const float s1 = float_from_bits((n <= 0.0f ? 0x82000000u : 0u) + 0x7f000000u);
        return s1 * s1; // +inf or 0
    }
    const uint32_t split = n <= 0.0f ? 0x82000000u : 0u;
    const float s1 = float_from_bits(split + 0x7f000000u);
    const float s2 = float_from_bits(exponent - split);
    return (s2 * poly + s2) * s1;
}

void silu_mul_portable(const float* gate, const float* up, float* out, int64_t n) {
    // ggml's SSE2 loop covers whole groups of four (lane by lane, so one
    // element at a time here); the last n % 4 elements take expf.
    const int64_t vectorised = n / 4 * 4;
    for (int64_t i = 0; i < vectorised; ++i) out[i] = gate[i] / (1.0f + exp_portable(0.0f - gate[i])) * up[i];
    for (int64_t i = vectorised; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void layer_norm_portable(const float* x, const float* weight, const float* bias, float* out, int64_t rows, int64_t n,
                         float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * n;
        float* yr = out + r * n;
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(xr[i]);
        const float mean = static_cast<float>(sum) / static_cast<float>(n);
        double squares = 0.0;
        int64_t i = 0;
        for (; i + 4 <= n; i += 4) {
            float v[4];
            for (int t = 0; t < 4; ++t) {
                yr[i + t] = xr[i + t] - mean;
                v[t] = yr[i + t] * yr[i + t];
            }
            squares += static_cast<double>(sum4_portable(v));
        }
        for (; i < n; ++i) {
            yr[i] = xr[i] - mean;
            squares += static_cast<double>(yr[i] * yr[i]);
        }
        const auto variance = static_cast<float>(squares / static_cast<double>(n));
        const float scale = 1.0f / std::sqrt(variance + eps);
        for (int64_t j = 0; j < n; ++j) yr[j] = yr[j] * scale * weight[j] + bias[j];
    }
}

} // namespace llava
