// Per-block dequantization, bit-exact with ggml's reference (`to_float`) routines.
//
// Why the results cannot drift from ggml's: every product below is exact in float32.
// An f16 scale has at most 11 significant bits, and the integer it is multiplied by
// (sub-block scale times code, at most 4096 in magnitude) has at most 12, so every
// product fits in float's 24-bit significand whatever the association order. The only
// rounding step is the "+ m" / "- min" of the formats with offsets, and a fused
// multiply-add of an exact product rounds exactly like the separate add. So neither
// operation order nor FP contraction (-ffp-contract, nvcc's --fmad) can change a bit.
// The code still follows ggml's order: (d * sub_scale) * q, then the offset.
#pragma once

#include <cstdint>

#include "formats/blocks.h"
#include "formats/half.h"
#include "formats/host_device.h"
#include "formats/iq4_values.h"
#include "formats/packed_scales.h"

namespace llava {

LLAVA_HOST_DEVICE inline uint32_t load_u32_le(const uint8_t* bytes) {
    return static_cast<uint32_t>(bytes[0]) | (static_cast<uint32_t>(bytes[1]) << 8) |
           (static_cast<uint32_t>(bytes[2]) << 16) | (static_cast<uint32_t>(bytes[3]) << 24);
}

// 32-element blocks: low nibbles hold elements 0..15, high nibbles 16..31.

LLAVA_HOST_DEVICE inline void decode_block_q4_0(const block_q4_0& block, float* out) {
    const float d = f16_to_f32(block.d);
    for (int j = 0; j < 16; ++j) {
        out[j] = static_cast<float>((block.qs[j] & 0x0f) - 8) * d;
        out[j + 16] = static_cast<float>((block.qs[j] >> 4) - 8) * d;
    }
}

LLAVA_HOST_DEVICE inline void decode_block_q4_1(const block_q4_1& block, float* out) {
    const float d = f16_to_f32(block.d);
    const float m = f16_to_f32(block.m);
    for (int j = 0; j < 16; ++j) {
        out[j] = static_cast<float>(block.qs[j] & 0x0f) * d + m;
        out[j + 16] = static_cast<float>(block.qs[j] >> 4) * d + m;
    }
}

LLAVA_HOST_DEVICE inline void decode_block_q5_0(const block_q5_0& block, float* out) {
    const float d = f16_to_f32(block.d);
    const uint32_t high_bits = load_u32_le(block.qh);
    for (int j = 0; j < 16; ++j) {
        const int low = (block.qs[j] & 0x0f) | static_cast<int>(((high_bits >> j) & 1u) << 4);
        const int high = (block.qs[j] >> 4) | static_cast<int>(((high_bits >> (j + 16)) & 1u) << 4);
        out[j] = static_cast<float>(low - 16) * d;
        out[j + 16] = static_cast<float>(high - 16) * d;
    }
}

LLAVA_HOST_DEVICE inline void decode_block_q5_1(const block_q5_1& block, float* out) {
    const float d = f16_to_f32(block.d);
    const float m = f16_to_f32(block.m);
    const uint32_t high_bits = load_u32_le(block.qh);
    for (int j = 0; j < 16; ++j) {
        const int low = (block.qs[j] & 0x0f) | static_cast<int>(((high_bits >> j) & 1u) << 4);
        const int high = (block.qs[j] >> 4) | static_cast<int>(((high_bits >> (j + 16)) & 1u) << 4);
        out[j] = static_cast<float>(low) * d + m;
        out[j + 16] = static_cast<float>(high) * d + m;
    }
}

LLAVA_HOST_DEVICE inline void decode_block_q8_0(const block_q8_0& block, float* out) {
    const float d = f16_to_f32(block.d);
    for (int j = 0; j < 32; ++j) {
        out[j] = static_cast<float>(block.qs[j]) * d;
    }
}

LLAVA_HOST_DEVICE inline void decode_block_iq4_nl(const block_iq4_nl& block, float* out) {
    const float d = f16_to_f32(block.d);
    for (int j = 0; j < 16; ++j) {
        out[j] = d * static_cast<float>(iq4_value(block.qs[j] & 0x0f));
        out[j + 16] = d * static_cast<float>(iq4_value(block.qs[j] >> 4));
    }
}

// 256-element super-blocks. Sub-block scale first: y = (d * scale) * q - (dmin * min).

LLAVA_HOST_DEVICE inline void decode_block_q2_K(const block_q2_K& block, float* out) {
    const float d = f16_to_f32(block.d);
    const float dmin = f16_to_f32(block.dmin);
    for (int half = 0; half < 2; ++half) {
        const uint8_t* qs = block.qs + 32 * half;
        for (int plane = 0; plane < 4; ++plane) {
            const int shift = 2 * plane;
            for (int part = 0; part < 2; ++part) {  // two 16-element sub-blocks per plane
                const uint8_t packed = block.scales[8 * half + 2 * plane + part];
                const float scale = d * static_cast<float>(packed & 0x0f);
                const float min = dmin * static_cast<float>(packed >> 4);
                float* y = out + 128 * half + 32 * plane + 16 * part;
                for (int l = 0; l < 16; ++l) {
                    const int q = (qs[16 * part + l] >> shift) & 3;
                    y[l] = scale * static_cast<float>(q) - min;
                }
            }
        }
    }
}

LLAVA_HOST_DEVICE inline void decode_block_q3_K(const block_q3_K& block, float* out) {
    const float d = f16_to_f32(block.d);
    for (int half = 0; half < 2; ++half) {
        const uint8_t* qs = block.qs + 32 * half;
        for (int plane = 0; plane < 4; ++plane) {
            const int shift = 2 * plane;
            const uint8_t high_bit = static_cast<uint8_t>(1u << (4 * half + plane));
            for (int part = 0; part < 2; ++part) {
                const float scale = d * static_cast<float>(unpack_q3_K_scale(block.scales, 8 * half + 2 * plane + part));
                float* y = out + 128 * half + 32 * plane + 16 * part;
                for (int l = 0; l < 16; ++l) {
                    const int index = 16 * part + l;
                    // A clear high bit means the 3-bit value is offset by -4.
                    const int q = ((qs[index] >> shift) & 3) - ((block.hmask[index] & high_bit) ? 0 : 4);
                    y[l] = scale * static_cast<float>(q);
                }
            }
        }
    }
}

LLAVA_HOST_DEVICE inline void decode_block_q4_K(const block_q4_K& block, float* out) {
    const float d = f16_to_f32(block.d);
    const float dmin = f16_to_f32(block.dmin);
    for (int chunk = 0; chunk < 4; ++chunk) {  // 64 elements, two sub-blocks
        const uint8_t* qs = block.qs + 32 * chunk;
        int scale_low, min_low, scale_high, min_high;
        unpack_q4_K_scale_min(block.scales, 2 * chunk, scale_low, min_low);
        unpack_q4_K_scale_min(block.scales, 2 * chunk + 1, scale_high, min_high);
        const float d_low = d * static_cast<float>(scale_low);
        const float m_low = dmin * static_cast<float>(min_low);
        const float d_high = d * static_cast<float>(scale_high);
        const float m_high = dmin * static_cast<float>(min_high);
        float* y = out + 64 * chunk;
        for (int l = 0; l < 32; ++l) {
            y[l] = d_low * static_cast<float>(qs[l] & 0x0f) - m_low;
            y[l + 32] = d_high * static_cast<float>(qs[l] >> 4) - m_high;
        }
    }
}

LLAVA_HOST_DEVICE inline void decode_block_q5_K(const block_q5_K& block, float* out) {
    const float d = f16_to_f32(block.d);
    const float dmin = f16_to_f32(block.dmin);
    for (int chunk = 0; chunk < 4; ++chunk) {
        const uint8_t* qs = block.qs + 32 * chunk;
        int scale_low, min_low, scale_high, min_high;
        unpack_q4_K_scale_min(block.scales, 2 * chunk, scale_low, min_low);
        unpack_q4_K_scale_min(block.scales, 2 * chunk + 1, scale_high, min_high);
        const float d_low = d * static_cast<float>(scale_low);
        const float m_low = dmin * static_cast<float>(min_low);
        const float d_high = d * static_cast<float>(scale_high);
        const float m_high = dmin * static_cast<float>(min_high);
        float* y = out + 64 * chunk;
        for (int l = 0; l < 32; ++l) {
            const int q_low = (qs[l] & 0x0f) | (((block.qh[l] >> (2 * chunk)) & 1) << 4);
            const int q_high = (qs[l] >> 4) | (((block.qh[l] >> (2 * chunk + 1)) & 1) << 4);
            y[l] = d_low * static_cast<float>(q_low) - m_low;
            y[l + 32] = d_high * static_cast<float>(q_high) - m_high;
        }
    }
}

LLAVA_HOST_DEVICE inline void decode_block_q6_K(const block_q6_K& block, float* out) {
    const float d = f16_to_f32(block.d);
    for (int half = 0; half < 2; ++half) {
        const uint8_t* ql = block.ql + 64 * half;
        const uint8_t* qh = block.qh + 32 * half;
        const int8_t* scales = block.scales + 8 * half;
        float* y = out + 128 * half;
        for (int l = 0; l < 32; ++l) {
            const int t = l / 16;
            const int q0 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q1 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q2 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q3 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * static_cast<float>(scales[t]) * static_cast<float>(q0);
            y[l + 32] = d * static_cast<float>(scales[t + 2]) * static_cast<float>(q1);
            y[l + 64] = d * static_cast<float>(scales[t + 4]) * static_cast<float>(q2);
            y[l + 96] = d * static_cast<float>(scales[t + 6]) * static_cast<float>(q3);
        }
    }
}

LLAVA_HOST_DEVICE inline void decode_block_iq4_xs(const block_iq4_xs& block, float* out) {
    const float d = f16_to_f32(block.d);
    for (int sub = 0; sub < 8; ++sub) {
        const int low = (block.scales_l[sub / 2] >> (4 * (sub % 2))) & 0x0f;
        const int high = (block.scales_h >> (2 * sub)) & 3;
        const float scale = d * static_cast<float>((low | (high << 4)) - 32);
        const uint8_t* qs = block.qs + 16 * sub;
        float* y = out + 32 * sub;
        for (int j = 0; j < 16; ++j) {
            y[j] = scale * static_cast<float>(iq4_value(qs[j] & 0x0f));
            y[j + 16] = scale * static_cast<float>(iq4_value(qs[j] >> 4));
        }
    }
}

}  // namespace llava
