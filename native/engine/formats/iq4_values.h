// The 16 non-linear levels of IQ4_NL and IQ4_XS (spec section 2.3). They are denser
// near zero, matching the bell-shaped distribution of weights.
#pragma once

#include <cstdint>

#include "formats/host_device.h"

namespace llava {

LLAVA_HOST_DEVICE inline int iq4_value(int index) {
    constexpr int8_t values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                   1,    13,   25,  38,  53,  69,  89,  113};
    return values[index];
}

}  // namespace llava
