// F16C conversion, 8 values per instruction. Exact, like the scalar version:
// every f16 value (subnormals, inf, NaN included) has an exact f32 image.
#include "backend/cpu/convert_f16.h"

#include "formats/half.h"

#include <cstring>
#include <immintrin.h>

namespace llava {

void convert_f16_to_f32_f16c(const uint16_t* src, float* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(halves));
    }
    for (; i < n; ++i) {
        uint16_t half; // src may be unaligned (GGUF alignment can be 1)
        std::memcpy(&half, src + i, sizeof(half));
        dst[i] = f16_to_f32(half);
    }
}

} // namespace llava
