#include "backend/cpu/avx512/exp_avx512.h"
#include "backend/cpu/elementwise_simd.h"

namespace llava {

void silu_mul_avx512(const float* gate, const float* up, float* out, int64_t n) {
    const __m512 one = _mm512_set1_ps(1.0f);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 g = _mm512_loadu_ps(gate + i);
        const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, exp_ps_avx512(_mm512_sub_ps(_mm512_setzero_ps(), g))));
        _mm512_storeu_ps(out + i, _mm512_mul_ps(silu, _mm512_loadu_ps(up + i)));
    }
    for (; i < n; ++i) out[i] = silu_times(gate[i], up[i]);
}

} // namespace llava
