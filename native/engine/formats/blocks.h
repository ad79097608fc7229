// Byte layouts of ggml's quantized blocks (spec sections 2.3 and 2.4).
//
// Every struct is tightly packed without any packing pragma: fields are ordered so that
// natural alignment (at most 2, or 4 for block_q8_K) introduces no padding, which the
// static_asserts check. f16 values are stored as their raw uint16_t bits.
#pragma once

#include <cstdint>

namespace llava {

constexpr int block32_size = 32;     // elements per block of the legacy formats
constexpr int super_block_size = 256; // elements per K-quant super-block (QK_K)

// Q4_0: 4.5 bits per weight. x = (nibble - 8) * d.
struct block_q4_0 {
    uint16_t d;       // f16 scale
    uint8_t qs[16];   // low nibbles: elements 0..15, high nibbles: 16..31
};
static_assert(sizeof(block_q4_0) == 18, "block_q4_0 layout");

// Q4_1: 5 bits per weight. x = nibble * d + m.
struct block_q4_1 {
    uint16_t d;       // f16 scale
    uint16_t m;       // f16 offset
    uint8_t qs[16];
};
static_assert(sizeof(block_q4_1) == 20, "block_q4_1 layout");

// Q5_0: 5.5 bits per weight. x = (nibble + 16 * high_bit - 16) * d.
struct block_q5_0 {
    uint16_t d;       // f16 scale
    uint8_t qh[4];    // fifth bits, little-endian uint32, bit j for element j
    uint8_t qs[16];
};
static_assert(sizeof(block_q5_0) == 22, "block_q5_0 layout");

// Q5_1: 6 bits per weight. x = (nibble + 16 * high_bit) * d + m.
struct block_q5_1 {
    uint16_t d;       // f16 scale
    uint16_t m;       // f16 offset
    uint8_t qh[4];
    uint8_t qs[16];
};
static_assert(sizeof(block_q5_1) == 24, "block_q5_1 layout");

// Q8_0: 8.5 bits per weight. x = q * d.
struct block_q8_0 {
    uint16_t d;       // f16 scale
    int8_t qs[32];
};
static_assert(sizeof(block_q8_0) == 34, "block_q8_0 layout");

// Q8_1: 9 bits per weight, activations only. x = q * d; s caches a block sum.
struct block_q8_1 {
    uint16_t d;       // f16 scale
    uint16_t s;       // f16 sum (d * sum(q) on CPU)
    int8_t qs[32];
};
static_assert(sizeof(block_q8_1) == 36, "block_q8_1 layout");

// IQ4_NL: 4.5 bits per weight. x = d * iq4_values[nibble].
struct block_iq4_nl {
    uint16_t d;       // f16 scale
    uint8_t qs[16];
};
static_assert(sizeof(block_iq4_nl) == 18, "block_iq4_nl layout");

// Q2_K: 2.625 bits per weight. 16 sub-blocks of 16 with 4-bit scale and 4-bit min.
struct block_q2_K {
    uint8_t scales[16];  // low nibble: scale, high nibble: min
    uint8_t qs[64];      // 2-bit values, four planes per byte
    uint16_t d;          // f16 super-block scale of the scales
    uint16_t dmin;       // f16 super-block scale of the mins
};
static_assert(sizeof(block_q2_K) == 84, "block_q2_K layout");

// Q3_K: 3.4375 bits per weight. 16 sub-blocks of 16 with signed 6-bit scales.
struct block_q3_K {
    uint8_t hmask[32];   // third bits
    uint8_t qs[64];      // low two bits
    uint8_t scales[12];  // sixteen 6-bit scales, biased by 32
    uint16_t d;          // f16 super-block scale
};
static_assert(sizeof(block_q3_K) == 110, "block_q3_K layout");

// Q4_K: 4.5 bits per weight. 8 sub-blocks of 32 with 6-bit scale and 6-bit min.
struct block_q4_K {
    uint16_t d;          // f16 super-block scale of the scales
    uint16_t dmin;       // f16 super-block scale of the mins
    uint8_t scales[12];  // eight 6-bit scales and eight 6-bit mins
    uint8_t qs[128];
};
static_assert(sizeof(block_q4_K) == 144, "block_q4_K layout");

// Q5_K: 5.5 bits per weight. Q4_K plus a fifth bit per element.
struct block_q5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[32];      // fifth bits, indexed by position within a 32-element chunk
    uint8_t qs[128];
};
static_assert(sizeof(block_q5_K) == 176, "block_q5_K layout");

// Q6_K: 6.5625 bits per weight. 16 sub-blocks of 16 with int8 scales.
struct block_q6_K {
    uint8_t ql[128];     // low four bits
    uint8_t qh[64];      // high two bits
    int8_t scales[16];
    uint16_t d;          // f16 super-block scale
};
static_assert(sizeof(block_q6_K) == 210, "block_q6_K layout");

// Q8_K: 9.125 bits per weight, activations only. x = q * d (d is float32).
struct block_q8_K {
    float d;
    int8_t qs[256];
    int16_t bsums[16];   // sum of each group of 16 qs
};
static_assert(sizeof(block_q8_K) == 292, "block_q8_K layout");

// IQ4_XS: 4.25 bits per weight. 8 sub-blocks of 32 with 6-bit scales, non-linear values.
struct block_iq4_xs {
    uint16_t d;          // f16 super-block scale
    uint16_t scales_h;   // high 2 bits of each sub-block scale
    uint8_t scales_l[4]; // low 4 bits of each sub-block scale
    uint8_t qs[128];
};
static_assert(sizeof(block_iq4_xs) == 136, "block_iq4_xs layout");

}  // namespace llava
