// AVX2/FMA/F16C kernels for the float weight formats: the 16-bit formats are
// widened to f32 on load, then 32 products per step are accumulated with FMA
// in four independent accumulators (to hide the FMA latency). F32 and F16
// keep llama.cpp's AVX2 dot-product order exactly (its decode path): the four
// accumulators folded as (0+2) + (1+3), halves added, then two horizontal
// pair-adds; the tail past the last 32-element step added one product at a
// time (F32: FMA into a float; F16: into a double).
#include "backend/cpu/vec_dot.h"

#include "backend/cpu/avx2/int8_dot_avx2.h"
#include "formats/half.h"

#include <cmath>

namespace llava {

namespace {

inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }

inline __m256 load8_f16(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// bf16 is the upper half of an f32: widen to 32 bits and shift into place.
inline __m256 load8_bf16(const uint16_t* p) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

// Σ a[i]·b[i] over the first ⌊k/8⌋·8 elements, which it reports in `done`
// (the caller adds the tail); `load` widens 8 elements to f32.
template <typename Element, typename Load>
float dot_vectors(int64_t k, const Element* a, const Element* b, Load load, int64_t& done) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) {
        acc0 = _mm256_fmadd_ps(load(a + i), load(b + i), acc0);
        acc1 = _mm256_fmadd_ps(load(a + i + 8), load(b + i + 8), acc1);
        acc2 = _mm256_fmadd_ps(load(a + i + 16), load(b + i + 16), acc2);
        acc3 = _mm256_fmadd_ps(load(a + i + 24), load(b + i + 24), acc3);
    }
    for (; i + 8 <= k; i += 8) acc0 = _mm256_fmadd_ps(load(a + i), load(b + i), acc0);
    done = i;
    return hsum_f32x8(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

} // namespace

namespace {

// llama.cpp's AVX2 float dot product over the first ⌊k/32⌋·32 elements.
template <typename Element, typename Load>
float llama_cpp_dot_steps(int64_t k, const Element* a, const Element* b, Load load) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t i = 0; i + 32 <= k; i += 32) {
        for (int j = 0; j < 4; ++j) acc[j] = _mm256_fmadd_ps(load(a + i + 8 * j), load(b + i + 8 * j), acc[j]);
    }
    const __m256 folded = _mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3]));
    const __m128 halves = _mm_add_ps(_mm256_castps256_ps128(folded), _mm256_extractf128_ps(folded, 1));
    const __m128 pairs = _mm_hadd_ps(halves, halves);
    return _mm_cvtss_f32(_mm_hadd_ps(pairs, pairs));
}

} // namespace

float vec_dot_f32_f32_avx2(int64_t k, const void* w, const void* x) {
    const float* a = static_cast<const float*>(w);
    const float* b = static_cast<const float*>(x);
    float sum = llama_cpp_dot_steps(k, a, b, load8);
    for (int64_t i = k / 32 * 32; i < k; ++i) sum = std::fma(load_unaligned<float>(a + i), load_unaligned<float>(b + i), sum);
    return sum;
}

float vec_dot_f16_f16_avx2(int64_t k, const void* w, const void* x) {
    const uint16_t* a = static_cast<const uint16_t*>(w);
    const uint16_t* b = static_cast<const uint16_t*>(x);
    double sum = llama_cpp_dot_steps(k, a, b, load8_f16);
    for (int64_t i = k / 32 * 32; i < k; ++i) sum += static_cast<double>(load_f16_as_f32(a + i) * load_f16_as_f32(b + i));
    return static_cast<float>(sum);
}

float vec_dot_bf16_bf16_avx2(int64_t k, const void* w, const void* x) {
    const uint16_t* a = static_cast<const uint16_t*>(w);
    const uint16_t* b = static_cast<const uint16_t*>(x);
    int64_t done = 0;
    float sum = dot_vectors(k, a, b, load8_bf16, done);
    for (int64_t i = done; i < k; ++i) {
        sum += bf16_to_f32(load_unaligned<uint16_t>(a + i)) * bf16_to_f32(load_unaligned<uint16_t>(b + i));
    }
    return sum;
}

} // namespace llava
