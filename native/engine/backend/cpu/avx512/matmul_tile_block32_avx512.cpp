// AVX-512 VNNI prefill kernels for the 32-element formats against Q8_0
// activations (matmul_tile.h).
//
// Micro-tile: block32_tile_rows activation rows × 2·block32_tile_row_pairs
// weight rows; one zmm accumulator per (activation row, weight row pair),
// each half holding the 8 float lanes of one output.
//
// Per block the weight codes are decoded once per pair as unsigned bytes
// u = w + offset, and vpdpbusd sums u·x over groups of four lanes. Starting
// each sum from −offset·Σx (same groups, computed once per activation row)
// leaves exactly Σ w·x per group of four: the int32 lanes of the AVX2 kernel's
// madd(maddubs(|w|, sign(x, w)), 1). The float steps — d = d_w·d_x, one FMA per
// block, hsum_f32x8 at the end — are those of vec_dot_*_q8_0_avx2, so results
// are bit-identical to it.
#include "backend/cpu/matmul_tile.h"

#include "backend/cpu/avx512/micro_tile_avx512.h"
#include "formats/blocks.h"

#include <cstdint>
#include <immintrin.h>

namespace llava {

namespace {

// Micro-tile shape: 4 activation rows × 4 weight rows keeps 8 accumulators,
// 2 decoded pairs and their scales well inside the 32 zmm registers.
// matmul_bench (Q4_0 / Q8_0, M = 64 and 512, 2 threads) measured 2.2-3× the
// AVX2 per-row path with it; other shapes are not yet measured.
constexpr int block32_tile_rows = 4;
constexpr int block32_tile_row_pairs = 2;

// Q4_0: 18-byte blocks, d then 16 bytes of nibbles; w = nibble − 8.
struct q4_0_codes {
    static constexpr int64_t block_bytes = 18;
    static constexpr char offset = 8;
    // Lanes 0..15 of a half: low nibbles, lanes 16..31: high nibbles.
    static __m512i decode(const uint8_t* even, const uint8_t* odd) {
        const __m512i bytes = pair_halves(_mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(even + 2))),
                                         _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(odd + 2))));
        const __mmask32 upper_quarters = 0xff00ff00u;  // 16-bit lanes of bytes 16..31 and 48..63
        return _mm512_and_si512(_mm512_mask_srli_epi16(bytes, upper_quarters, bytes, 4), _mm512_set1_epi8(0x0f));
    }
};

// Q8_0: 34-byte blocks, d then 32 int8 codes; u = w + 128 = w XOR 0x80.
struct q8_0_codes {
    static constexpr int64_t block_bytes = 34;
    static constexpr char offset = static_cast<char>(0x80);
    static __m512i decode(const uint8_t* even, const uint8_t* odd) {
        const __m512i codes = pair_halves(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(even + 2)),
                                         _mm256_loadu_si256(reinterpret_cast<const __m256i*>(odd + 2)));
        return _mm512_xor_si512(codes, _mm512_set1_epi8(static_cast<char>(0x80)));
    }
};

template <typename Codes, int R, int P>
void block32_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[2 * P]) {
    const __m512i offset = _mm512_set1_epi8(Codes::offset);
    __m512 acc[R][P];
    for (int r = 0; r < R; ++r) {
        for (int p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < k / block32_size; ++b) {
        __m512i codes[P];
        __m512 d_w[P];
        for (int p = 0; p < P; ++p) {
            const uint8_t* even = w[2 * p] + b * Codes::block_bytes;
            const uint8_t* odd = w[2 * p + 1] + b * Codes::block_bytes;
            codes[p] = Codes::decode(even, odd);
            d_w[p] = pair_f32x16(load_f16_as_f32(even), load_f16_as_f32(odd));
        }
        for (int r = 0; r < R; ++r) {
            const uint8_t* xb = x[r] + b * static_cast<int64_t>(sizeof(block_q8_0));
            const __m512i xq = broadcast_i8x32(xb + 2);
            const __m512i start = _mm512_sub_epi32(_mm512_setzero_si512(),
                                                   _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, xq));
            const __m512 d_x = _mm512_set1_ps(load_f16_as_f32(xb));
            for (int p = 0; p < P; ++p) {
                const __m512i sums = _mm512_dpbusd_epi32(start, codes[p], xq);
                acc[r][p] = _mm512_fmadd_ps(_mm512_mul_ps(d_w[p], d_x), cvt_i32_f32x16(sums), acc[r][p]);
            }
        }
    }
    for (int r = 0; r < R; ++r) {
        for (int p = 0; p < P; ++p) {
            out[r][2 * p] = hsum_f32x8(low_f32x8(acc[r][p]));
            out[r][2 * p + 1] = hsum_f32x8(high_f32x8(acc[r][p]));
        }
    }
}

template <typename Codes>
void block32_tile(const matmul_tile& tile) {
    constexpr int R = block32_tile_rows, P = block32_tile_row_pairs;
    for_each_micro_tile<R, 2 * P>(tile, block32_micro_tile<Codes, R, P>);
}

} // namespace

void matmul_tile_q4_0_q8_0_avx512vnni(const matmul_tile& tile) { block32_tile<q4_0_codes>(tile); }
void matmul_tile_q8_0_q8_0_avx512vnni(const matmul_tile& tile) { block32_tile<q8_0_codes>(tile); }

} // namespace llava
