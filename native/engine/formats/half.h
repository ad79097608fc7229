// Conversions between float32 and the two 16-bit float formats stored in GGUF files:
// IEEE binary16 ("f16") and bfloat16 ("bf16").
//
// Written with integer bit manipulation only, so the results do not depend on the
// host's FPU rounding mode or on F16C/AVX512-BF16 instructions, and so that the same
// code runs inside CUDA kernels.
#pragma once

#include <cstdint>
#include <cstring>

#include "formats/host_device.h"

namespace llava {

LLAVA_HOST_DEVICE inline uint32_t float_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

LLAVA_HOST_DEVICE inline float float_from_bits(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

// binary16 -> float32. Exact for every input: subnormals are normalized, infinities
// and NaNs (payload included) carry over.
LLAVA_HOST_DEVICE inline float f16_to_f32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;

    if (exponent == 0x1f) {  // inf or NaN
        return float_from_bits(sign | 0x7f800000u | (mantissa << 13));
    }
    if (exponent != 0) {  // normal: rebias 15 -> 127
        return float_from_bits(sign | ((exponent + 112u) << 23) | (mantissa << 13));
    }
    if (mantissa == 0) {  // signed zero
        return float_from_bits(sign);
    }
    // Subnormal half: value = mantissa * 2^-24. Shift the leading one up to the
    // implicit-bit position (bit 10); every shift lowers the exponent by one.
    uint32_t f32_exponent = 113;  // exponent of 2^-14, the smallest normal half
    while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        --f32_exponent;
    }
    mantissa &= 0x3ffu;
    return float_from_bits(sign | (f32_exponent << 23) | (mantissa << 13));
}

// float32 -> binary16, rounding to nearest, ties to even (as ggml does). Overflow
// gives infinity, tiny values become subnormals or signed zero, NaN stays a NaN
// (quieted, sign and top payload bits kept).
LLAVA_HOST_DEVICE inline uint16_t f32_to_f16(float value) {
    const uint32_t bits = float_bits(value);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t magnitude = bits & 0x7fffffffu;

    if (magnitude > 0x7f800000u) {  // NaN
        return static_cast<uint16_t>(sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
    }
    // 65520 (0x477ff000) lies halfway between the largest half, 65504, and 2^16; the
    // tie rounds to the even neighbour, which is 2^16, i.e. infinity.
    if (magnitude >= 0x477ff000u) {
        return static_cast<uint16_t>(sign | 0x7c00u);
    }
    if (magnitude >= 0x38800000u) {  // result is a normal half (>= 2^-14)
        // Rebias the exponent (127 -> 15) and drop 13 mantissa bits. A carry out of
        // the mantissa when rounding up correctly bumps the exponent.
        uint32_t result = (magnitude >> 13) - (112u << 10);
        const uint32_t dropped = magnitude & 0x1fffu;
        if (dropped > 0x1000u || (dropped == 0x1000u && (result & 1u))) {
            ++result;
        }
        return static_cast<uint16_t>(sign | result);
    }
    // Result is a subnormal half (or zero): count units of 2^-24.
    const uint32_t exponent = magnitude >> 23;
    if (exponent < 102) {  // below 2^-25: less than half a unit, rounds to zero
        return sign;
    }
    const uint32_t mantissa = (magnitude & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - exponent;  // 14..24
    uint32_t result = mantissa >> shift;
    const uint32_t dropped = mantissa & ((1u << shift) - 1);
    const uint32_t half_unit = 1u << (shift - 1);
    if (dropped > half_unit || (dropped == half_unit && (result & 1u))) {
        ++result;  // may carry into 0x400, the smallest normal half: still correct
    }
    return static_cast<uint16_t>(sign | result);
}

// bfloat16 -> float32: bf16 is the top half of a float32.
LLAVA_HOST_DEVICE inline float bf16_to_f32(uint16_t h) {
    return float_from_bits(static_cast<uint32_t>(h) << 16);
}

// float32 -> bfloat16, rounding to nearest, ties to even (as ggml does). NaN becomes a
// quiet NaN: plain truncation could clear every payload bit and turn it into infinity.
LLAVA_HOST_DEVICE inline uint16_t f32_to_bf16(float value) {
    const uint32_t bits = float_bits(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return static_cast<uint16_t>((bits >> 16) | 0x40u);
    }
    // Adding 0x7fff rounds the dropped half up when it exceeds one half; the extra
    // lowest kept bit makes an exact half round up only when that bit is odd.
    const uint32_t rounding_bias = 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<uint16_t>((bits + rounding_bias) >> 16);
}

}  // namespace llava
