// Scalar references for the 256-element super-block formats against Q8_K
// activations. Per super-block the codes are unpacked to integers (element order
// as in formats/block_decode.h), then
//   with mins (Q2_K, Q4_K, Q5_K):  dX·(dW·Σ_sub sc·Σ q·x − dminW·Σ_sub m·Σ x)
//   signed    (Q3_K, Q6_K, IQ4_XS): dX·dW·Σ_sub sc·Σ q·x
// where Σ x over a sub-block comes from the Q8_K bsums (exact integer sums).
#include "backend/cpu/vec_dot.h"

#include "backend/cpu/unaligned_load.h"
#include "formats/blocks.h"
#include "formats/half.h"
#include "formats/iq4_values.h"
#include "formats/packed_scales.h"

namespace llava {

namespace {

template <typename WeightBlock, typename BlockDot>
float sum_over_super_blocks(int64_t k, const void* w, const void* x, BlockDot block_dot) {
    const char* weight_bytes = static_cast<const char*>(w);
    const block_q8_K* activations = static_cast<const block_q8_K*>(x);
    float sum = 0.0f;
    for (int64_t b = 0; b < k / super_block_size; ++b) {
        const WeightBlock weights = load_unaligned<WeightBlock>(weight_bytes + b * static_cast<int64_t>(sizeof(WeightBlock)));
        sum += block_dot(weights, activations[b]);
    }
    return sum;
}

// Σ_j q[j]·x[j] over `count` elements starting at `first`.
int integer_dot(const int* q, const int8_t* x, int first, int count) {
    int sum = 0;
    for (int j = first; j < first + count; ++j) sum += q[j] * x[j];
    return sum;
}

// Σ x over the 32-element sub-block `sub`, from the two 16-element bsums.
int bsum32(const block_q8_K& xb, int sub) {
    return xb.bsums[2 * sub] + xb.bsums[2 * sub + 1];
}

// Q4_K / Q5_K share the scale layout and the chunk order: chunk c (64 elements)
// holds the low nibbles (sub-block 2c) then the high nibbles (sub-block 2c+1).
template <typename Block>
float dot_q45_K(const Block& wb, const block_q8_K& xb, const int* q) {
    int sum = 0;
    int min_sum = 0;
    for (int sub = 0; sub < 8; ++sub) {
        int scale, min;
        unpack_q4_K_scale_min(wb.scales, sub, scale, min);
        sum += scale * integer_dot(q, xb.qs, 32 * sub, 32);
        min_sum += min * bsum32(xb, sub);
    }
    const float d = f16_to_f32(wb.d) * xb.d;
    const float dmin = f16_to_f32(wb.dmin) * xb.d;
    return d * static_cast<float>(sum) - dmin * static_cast<float>(min_sum);
}

} // namespace

float vec_dot_q2_K_q8_K_ref(int64_t k, const void* w, const void* x) {
    return sum_over_super_blocks<block_q2_K>(k, w, x, [](const block_q2_K& wb, const block_q8_K& xb) {
        int q[super_block_size];
        for (int e = 0; e < super_block_size; ++e) {  // e = 128·half + 32·plane + l
            const int half = e / 128, plane = (e / 32) % 4, l = e % 32;
            q[e] = (wb.qs[32 * half + l] >> (2 * plane)) & 3;
        }
        int sum = 0;
        int min_sum = 0;
        for (int sub = 0; sub < 16; ++sub) {  // scales[sub] covers elements 16·sub ..
            sum += (wb.scales[sub] & 0x0f) * integer_dot(q, xb.qs, 16 * sub, 16);
            min_sum += (wb.scales[sub] >> 4) * xb.bsums[sub];
        }
        const float d = f16_to_f32(wb.d) * xb.d;
        const float dmin = f16_to_f32(wb.dmin) * xb.d;
        return d * static_cast<float>(sum) - dmin * static_cast<float>(min_sum);
    });
}

float vec_dot_q3_K_q8_K_ref(int64_t k, const void* w, const void* x) {
    return sum_over_super_blocks<block_q3_K>(k, w, x, [](const block_q3_K& wb, const block_q8_K& xb) {
        int q[super_block_size];
        for (int e = 0; e < super_block_size; ++e) {  // e = 128·half + 32·plane + l
            const int half = e / 128, plane = (e / 32) % 4, l = e % 32;
            const bool high_bit = (wb.hmask[l] >> (4 * half + plane)) & 1;
            q[e] = ((wb.qs[32 * half + l] >> (2 * plane)) & 3) - (high_bit ? 0 : 4);
        }
        int sum = 0;
        for (int sub = 0; sub < 16; ++sub) {
            sum += unpack_q3_K_scale(wb.scales, sub) * integer_dot(q, xb.qs, 16 * sub, 16);
        }
        return f16_to_f32(wb.d) * xb.d * static_cast<float>(sum);
    });
}

float vec_dot_q4_K_q8_K_ref(int64_t k, const void* w, const void* x) {
    return sum_over_super_blocks<block_q4_K>(k, w, x, [](const block_q4_K& wb, const block_q8_K& xb) {
        int q[super_block_size];
        for (int e = 0; e < super_block_size; ++e) {  // e = 64·chunk + 32·(high nibble) + l
            const int chunk = e / 64, high = (e / 32) % 2, l = e % 32;
            const uint8_t byte = wb.qs[32 * chunk + l];
            q[e] = high ? byte >> 4 : byte & 0x0f;
        }
        return dot_q45_K(wb, xb, q);
    });
}

float vec_dot_q5_K_q8_K_ref(int64_t k, const void* w, const void* x) {
    return sum_over_super_blocks<block_q5_K>(k, w, x, [](const block_q5_K& wb, const block_q8_K& xb) {
        int q[super_block_size];
        for (int e = 0; e < super_block_size; ++e) {  // as Q4_K, fifth bit at qh[l] bit (e / 32)
            const int chunk = e / 64, high = (e / 32) % 2, l = e % 32;
            const uint8_t byte = wb.qs[32 * chunk + l];
            q[e] = (high ? byte >> 4 : byte & 0x0f) | (((wb.qh[l] >> (e / 32)) & 1) << 4);
        }
        return dot_q45_K(wb, xb, q);
    });
}

float vec_dot_q6_K_q8_K_ref(int64_t k, const void* w, const void* x) {
    return sum_over_super_blocks<block_q6_K>(k, w, x, [](const block_q6_K& wb, const block_q8_K& xb) {
        int q[super_block_size];
        for (int e = 0; e < super_block_size; ++e) {  // e = 128·half + 32·quarter + l
            const int half = e / 128, quarter = (e / 32) % 4, l = e % 32;
            const uint8_t low_byte = wb.ql[64 * half + l + 32 * (quarter % 2)];
            const int low = quarter < 2 ? low_byte & 0x0f : low_byte >> 4;
            const int high = (wb.qh[32 * half + l] >> (2 * quarter)) & 3;
            q[e] = (low | (high << 4)) - 32;
        }
        int sum = 0;
        for (int sub = 0; sub < 16; ++sub) sum += wb.scales[sub] * integer_dot(q, xb.qs, 16 * sub, 16);
        return f16_to_f32(wb.d) * xb.d * static_cast<float>(sum);
    });
}

float vec_dot_iq4_xs_q8_K_ref(int64_t k, const void* w, const void* x) {
    return sum_over_super_blocks<block_iq4_xs>(k, w, x, [](const block_iq4_xs& wb, const block_q8_K& xb) {
        int q[super_block_size];
        for (int e = 0; e < super_block_size; ++e) {  // e = 32·sub + 16·(high nibble) + j
            const uint8_t byte = wb.qs[16 * (e / 32) + e % 16];
            q[e] = iq4_value((e % 32) < 16 ? byte & 0x0f : byte >> 4);
        }
        int sum = 0;
        for (int sub = 0; sub < 8; ++sub) {
            const int low = (wb.scales_l[sub / 2] >> (4 * (sub % 2))) & 0x0f;
            const int high = (wb.scales_h >> (2 * sub)) & 3;
            sum += ((low | (high << 4)) - 32) * integer_dot(q, xb.qs, 32 * sub, 32);
        }
        return f16_to_f32(wb.d) * xb.d * static_cast<float>(sum);
    });
}

} // namespace llava
