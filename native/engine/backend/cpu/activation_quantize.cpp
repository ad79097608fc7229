#include "backend/cpu/activation_quantize.h"

#include "formats/blocks.h"
#include "formats/half.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace llava {

namespace {

// Round to nearest, ties to even (under the default FP environment, which the
// engine never changes): adding 1.5·2^23 pushes the fraction bits out of the
// significand, so the addition itself rounds and the integer lands in the low
// mantissa bits. Valid for |v| < 2^22; activation codes stay within ±128.
inline int round_half_even(float v) {
    const float shifted = v + 12582912.0f;
    uint32_t bits;
    std::memcpy(&bits, &shifted, sizeof bits);
    return static_cast<int>(bits & 0x007fffffu) - 0x00400000;
}

// Shared by Q8_0 and Q8_1: fills the 32 codes, returns the f32 scale d and Σq.
float quantize_block32(const float* x, int8_t* qs, int& code_sum) {
    float amax = 0.0f;
    for (int j = 0; j < block32_size; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    code_sum = 0;
    for (int j = 0; j < block32_size; ++j) {
        const int q = round_half_even(x[j] * id);
        qs[j] = static_cast<int8_t>(q);
        code_sum += q;
    }
    return d;
}

} // namespace

void quantize_activations_q8_0(const float* x, void* out, int64_t n) {
    block_q8_0* blocks = static_cast<block_q8_0*>(out);
    for (int64_t b = 0; b < n / block32_size; ++b) {
        int code_sum;
        const float d = quantize_block32(x + b * block32_size, blocks[b].qs, code_sum);
        blocks[b].d = f32_to_f16(d);
    }
}

void quantize_activations_q8_1(const float* x, void* out, int64_t n) {
    block_q8_1* blocks = static_cast<block_q8_1*>(out);
    for (int64_t b = 0; b < n / block32_size; ++b) {
        int code_sum;
        const float d = quantize_block32(x + b * block32_size, blocks[b].qs, code_sum);
        blocks[b].d = f32_to_f16(d);
        blocks[b].s = f32_to_f16(d * static_cast<float>(code_sum));
    }
}

void quantize_activations_q8_K(const float* x, void* out, int64_t n) {
    block_q8_K* blocks = static_cast<block_q8_K*>(out);
    for (int64_t b = 0; b < n / super_block_size; ++b) {
        const float* xb = x + b * super_block_size;
        block_q8_K& block = blocks[b];
        // The signed value of largest magnitude, the first one on ties.
        float amax = 0.0f;
        float extreme = 0.0f;
        for (int j = 0; j < super_block_size; ++j) {
            if (std::fabs(xb[j]) > amax) {
                amax = std::fabs(xb[j]);
                extreme = xb[j];
            }
        }
        if (amax == 0.0f) {
            std::memset(&block, 0, sizeof block);
            continue;
        }
        // The extreme element maps to −127; values of the opposite sign and the
        // same magnitude would round to +127 or just above it, hence the clamp.
        const float iscale = -127.0f / extreme;
        for (int j = 0; j < super_block_size; ++j) {
            block.qs[j] = static_cast<int8_t>(std::min(127, round_half_even(iscale * xb[j])));
        }
        for (int g = 0; g < super_block_size / 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += block.qs[16 * g + j];
            block.bsums[g] = static_cast<int16_t>(sum);
        }
        block.d = 1.0f / iscale;
    }
}

void convert_activations_f16(const float* x, void* out, int64_t n) {
    uint16_t* halves = static_cast<uint16_t*>(out);
    for (int64_t i = 0; i < n; ++i) halves[i] = f32_to_f16(x[i]);
}

void convert_activations_bf16(const float* x, void* out, int64_t n) {
    uint16_t* halves = static_cast<uint16_t*>(out);
    for (int64_t i = 0; i < n; ++i) halves[i] = f32_to_bf16(x[i]);
}

void copy_activations_f32(const float* x, void* out, int64_t n) {
    std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float));
}

} // namespace llava
