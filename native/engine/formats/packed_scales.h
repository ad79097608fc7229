// Packing of the 6-bit sub-block scales shared by several K-quant layouts. Used by the
// block decoders and by the quantizers, so both sides agree on one definition.
#pragma once

#include <cstdint>

#include "formats/host_device.h"

namespace llava {

// Q4_K / Q5_K: eight 6-bit scales and eight 6-bit mins in 12 bytes. Entries 0..3 sit in
// the low 6 bits of bytes 0..3 (scales) and 4..7 (mins); entries 4..7 keep their low
// nibbles in bytes 8..11 and their top 2 bits in the spare high bits of bytes 0..7.
LLAVA_HOST_DEVICE inline void unpack_q4_K_scale_min(const uint8_t* packed, int j, int& scale, int& min) {
    if (j < 4) {
        scale = packed[j] & 63;
        min = packed[j + 4] & 63;
    } else {
        scale = (packed[j + 4] & 0x0f) | ((packed[j - 4] >> 6) << 4);
        min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
    }
}

LLAVA_HOST_DEVICE inline void pack_q4_K_scales_mins(const uint8_t scales[8], const uint8_t mins[8], uint8_t packed[12]) {
    for (int j = 0; j < 4; ++j) {
        packed[j] = static_cast<uint8_t>((scales[j] & 63) | ((scales[j + 4] >> 4) << 6));
        packed[j + 4] = static_cast<uint8_t>((mins[j] & 63) | ((mins[j + 4] >> 4) << 6));
        packed[j + 8] = static_cast<uint8_t>((scales[j + 4] & 0x0f) | ((mins[j + 4] & 0x0f) << 4));
    }
}

// Q3_K: sixteen 6-bit scales (stored with a +32 bias) in 12 bytes. The low nibbles of
// scales 0..7 and 8..15 share bytes 0..7; the top 2 bits go to bytes 8..11, four
// scales per byte (byte 8 + i%4, bit pair i/4).
LLAVA_HOST_DEVICE inline int unpack_q3_K_scale(const uint8_t* packed, int i) {
    const int low = i < 8 ? (packed[i] & 0x0f) : (packed[i - 8] >> 4);
    const int high = (packed[8 + (i % 4)] >> (2 * (i / 4))) & 3;
    return (low | (high << 4)) - 32;
}

LLAVA_HOST_DEVICE inline void pack_q3_K_scales(const uint8_t biased_scales[16], uint8_t packed[12]) {
    for (int i = 0; i < 12; ++i) {
        packed[i] = 0;
    }
    for (int i = 0; i < 16; ++i) {
        const uint8_t value = biased_scales[i] & 63;
        if (i < 8) {
            packed[i] |= value & 0x0f;
        } else {
            packed[i - 8] |= static_cast<uint8_t>((value & 0x0f) << 4);
        }
        packed[8 + (i % 4)] |= static_cast<uint8_t>((value >> 4) << (2 * (i / 4)));
    }
}

}  // namespace llava
