#include "common/random_normal.h"

#include <cmath>

namespace llava {

namespace {

// SplitMix64's finaliser: a cheap bijective mix with good avalanche, enough
// to turn (seed, index) into independent-looking 64-bit words.
uint64_t mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

} // namespace

void fill_random_normal(float* dst, uint64_t count, uint64_t seed, uint64_t first_index, float stddev) {
    const uint64_t stream = mix64(seed);
    constexpr double two_pi = 6.283185307179586476925286766559;
    for (uint64_t k = 0; k < count; ++k) {
        const uint64_t bits = mix64(stream ^ mix64(first_index + k));
        // Two 32-bit uniforms in (0, 1] and [0, 1) feed one Box-Muller draw.
        const double u1 = (static_cast<double>(bits >> 32) + 1.0) / 4294967296.0;
        const double u2 = static_cast<double>(bits & 0xFFFFFFFFu) / 4294967296.0;
        const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
        dst[k] = static_cast<float>(z * stddev);
    }
}

} // namespace llava
