// AVX2 prefill kernels for Q4_0 and Q8_0 weights against Q8_0 activations
// (matmul_tile.h), for hosts without AVX-512 VNNI.
//
// Micro-tile: block32_tile_rows activation rows × block32_tile_cols weight
// rows; one ymm float accumulator per output (8 lanes, as in the per-row
// kernel).
//
// Per block each weight row's 32 codes are decoded once into signed int8
// lanes w (and |w|), then reused for every activation row of the micro-tile.
// Per (activation row, weight row) the block sum is the per-row kernel's
// madd(maddubs(|w|, sign(x, w)), 1) — the same exact int32 sums of four lanes —
// and the float steps (d = d_w·d_x as a scalar product, one FMA per block,
// hsum_f32x8 at the end) are those of vec_dot_*_q8_0_avx2 in the same order,
// so results are bit-identical to it.
#include "backend/cpu/matmul_tile.h"

#include "backend/cpu/avx2/int8_dot_avx2.h"
#include "formats/blocks.h"

#include <cstdint>
#include <immintrin.h>

namespace llava {

namespace {

// Micro-tile shape: 4 activation rows × 2 weight rows keeps the 8 accumulators,
// the 2 decoded weight blocks (w and |w|) and the activation block within the
// 16 ymm registers. matmul_bench (Q4_0 / Q8_0, M = 64 and 512, 2 threads,
// avx2 kernels forced) measured 1.1-2.0× the AVX2 per-row path with it
// (Q4_0 77-79 vs 40-70 GFLOP/s, Q8_0 89-121 vs 63-71); other shapes are not
// yet measured.
constexpr int block32_tile_rows = 4;
constexpr int block32_tile_cols = 2;

// Q4_0: 18-byte blocks, d then 16 bytes of nibbles; w = nibble − 8 (−8..7).
struct q4_0_codes {
    static constexpr int64_t block_bytes = 18;
    static __m256i decode(const uint8_t* block) {
        return _mm256_sub_epi8(unpack_nibbles_32(block + 2), _mm256_set1_epi8(8));
    }
};

// Q8_0: 34-byte blocks, d then 32 int8 codes.
struct q8_0_codes {
    static constexpr int64_t block_bytes = 34;
    static __m256i decode(const uint8_t* block) { return load_i8x32(block + 2); }
};

template <typename Codes, int R, int C>
void block32_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[C]) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[R][C];
    for (int r = 0; r < R; ++r) {
        for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < k / block32_size; ++b) {
        __m256i codes[C], magnitudes[C];
        float d_w[C];
        for (int c = 0; c < C; ++c) {
            const uint8_t* block = w[c] + b * Codes::block_bytes;
            codes[c] = Codes::decode(block);
            magnitudes[c] = _mm256_abs_epi8(codes[c]);
            d_w[c] = load_f16_as_f32(block);
        }
        for (int r = 0; r < R; ++r) {
            const uint8_t* xb = x[r] + b * static_cast<int64_t>(sizeof(block_q8_0));
            const __m256i xq = load_i8x32(xb + 2);
            const float d_x = load_f16_as_f32(xb);
            for (int c = 0; c < C; ++c) {
                // dot_i8_i8_quads(codes[c], xq) with |w| decoded once per block.
                const __m256i sums = _mm256_madd_epi16(_mm256_maddubs_epi16(magnitudes[c], _mm256_sign_epi8(xq, codes[c])), ones);
                acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(d_w[c] * d_x), _mm256_cvtepi32_ps(sums), acc[r][c]);
            }
        }
    }
    for (int r = 0; r < R; ++r) {
        for (int c = 0; c < C; ++c) out[r][c] = hsum_f32x8(acc[r][c]);
    }
}

template <typename Codes>
void block32_tile(const matmul_tile& tile) {
    constexpr int R = block32_tile_rows, C = block32_tile_cols;
    for_each_micro_tile<R, C>(tile, block32_micro_tile<Codes, R, C>);
}

} // namespace

void matmul_tile_q4_0_q8_0_avx2(const matmul_tile& tile) { block32_tile<q4_0_codes>(tile); }
void matmul_tile_q8_0_q8_0_avx2(const matmul_tile& tile) { block32_tile<q8_0_codes>(tile); }

} // namespace llava
