// AVX-512 VNNI prefill kernels for the 256-element super-block formats against
// Q8_K activations (matmul_tile.h).
//
// Micro-tile: k_tile_rows activation rows × 2·k_tile_row_pairs weight rows;
// per (activation row, weight row pair) one zmm of int32 super-block sums and
// one zmm of float accumulators, each half serving one output.
//
// Per super-block each pair's codes (unsigned, as in vec_dot_k_avx2.cpp) and
// sub-block scales (int16, placed per lane by vpermw) are decoded once; per
// activation row vpmaddubsw gives the exact int16 pair sums and vpdpwssd adds
// scale·pair over groups of four elements into the same int32 lanes as the
// AVX2 kernel's madd. The float steps (one FMA by d_w·d_x per super-block,
// Q4_K's 4 min lanes FMA'd by −dmin_w·d_x, the reductions at the end) are
// those of vec_dot_*_q8_K_avx2, so results are bit-identical to it.
#include "backend/cpu/matmul_tile.h"

#include "backend/cpu/avx2/k_quants_avx2.h"
#include "backend/cpu/avx512/micro_tile_avx512.h"
#include "formats/blocks.h"

#include <cstdint>
#include <immintrin.h>

namespace llava {

namespace {

// Micro-tile shape: 4 activation rows × 4 weight rows, 8 float and 8 int32
// accumulators. matmul_bench (Q4_K / Q6_K, M = 64 and 512, 2 threads) measured
// 1.5-3× the AVX2 per-row path with it; other shapes are not yet measured.
constexpr int k_tile_rows = 4;
constexpr int k_tile_row_pairs = 2;

// vpermw indices placing int16 element `even_low` in lanes 0..7, `even_high`
// in 8..15, `odd_low` in 16..23 and `odd_high` in 24..31: the sub-block scales
// multiplying each group of four elements, for both weight rows of a pair.
inline __m512i scale_lanes(int even_low, int even_high, int odd_low, int odd_high) {
    alignas(64) int16_t index[32];
    for (int i = 0; i < 8; ++i) {
        index[i] = static_cast<int16_t>(even_low);
        index[8 + i] = static_cast<int16_t>(even_high);
        index[16 + i] = static_cast<int16_t>(odd_low);
        index[24 + i] = static_cast<int16_t>(odd_high);
    }
    return _mm512_load_si512(index);
}

// Q4_K: d[0:2], dmin[2:4], scales[4:16], qs[16:144]. Chunk c (64 elements):
// low nibbles are sub-block 2c, high nibbles sub-block 2c+1.
template <int R, int P>
void q4_K_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[2 * P]) {
    constexpr int C = 2 * P;
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    __m512 acc[R][P];
    __m256 min_acc[R][P];  // the AVX2 kernel's 4 min lanes, the even row's in the low half
    for (int r = 0; r < R; ++r) {
        for (int p = 0; p < P; ++p) {
            acc[r][p] = _mm512_setzero_ps();
            min_acc[r][p] = _mm256_setzero_ps();
        }
    }
    for (int64_t b = 0; b < k / super_block_size; ++b) {
        const uint8_t* blocks[C];
        __m128i scales_mins[C];
        __m256i mins[P];  // int16: the even row's 8 mins in lanes 0..7, the odd row's in 8..15
        for (int c = 0; c < C; ++c) {
            blocks[c] = w[c] + b * static_cast<int64_t>(sizeof(block_q4_K));
            scales_mins[c] = unpack_q45_K_scales_mins(blocks[c] + 4);
        }
        for (int p = 0; p < P; ++p) {
            mins[p] = _mm256_cvtepu8_epi16(_mm_unpackhi_epi64(scales_mins[2 * p], scales_mins[2 * p + 1]));
        }
        __m512i scales[P];  // int16: the even row's 8 scales in lanes 0..7, the odd row's in lanes 16..23
        for (int p = 0; p < P; ++p) {
            scales[p] = pair_halves(_mm256_cvtepu8_epi16(scales_mins[2 * p]), _mm256_cvtepu8_epi16(scales_mins[2 * p + 1]));
        }
        __m512i sums[R][P];
        for (int r = 0; r < R; ++r) {
            for (int p = 0; p < P; ++p) sums[r][p] = _mm512_setzero_si512();
        }
        for (int chunk = 0; chunk < 4; ++chunk) {
            const __m512i low_scale = scale_lanes(2 * chunk, 2 * chunk, 16 + 2 * chunk, 16 + 2 * chunk);
            const __m512i high_scale = scale_lanes(2 * chunk + 1, 2 * chunk + 1, 17 + 2 * chunk, 17 + 2 * chunk);
            __m512i low[P], high[P], low_scales[P], high_scales[P];
            for (int p = 0; p < P; ++p) {
                const __m512i bytes = pair_halves(load_i8x32(blocks[2 * p] + 16 + 32 * chunk),
                                                 load_i8x32(blocks[2 * p + 1] + 16 + 32 * chunk));
                low[p] = _mm512_and_si512(bytes, nibble);
                high[p] = _mm512_and_si512(_mm512_srli_epi16(bytes, 4), nibble);
                low_scales[p] = _mm512_permutexvar_epi16(low_scale, scales[p]);
                high_scales[p] = _mm512_permutexvar_epi16(high_scale, scales[p]);
            }
            for (int r = 0; r < R; ++r) {
                const block_q8_K& xb = *reinterpret_cast<const block_q8_K*>(x[r] + b * static_cast<int64_t>(sizeof(block_q8_K)));
                const __m512i x_low = broadcast_i8x32(xb.qs + 64 * chunk);
                const __m512i x_high = broadcast_i8x32(xb.qs + 64 * chunk + 32);
                for (int p = 0; p < P; ++p) {
                    sums[r][p] = _mm512_dpwssd_epi32(sums[r][p], _mm512_maddubs_epi16(low[p], x_low), low_scales[p]);
                    sums[r][p] = _mm512_dpwssd_epi32(sums[r][p], _mm512_maddubs_epi16(high[p], x_high), high_scales[p]);
                }
            }
        }
        for (int r = 0; r < R; ++r) {
            const block_q8_K& xb = *reinterpret_cast<const block_q8_K*>(x[r] + b * static_cast<int64_t>(sizeof(block_q8_K)));
            // Σx per 32-element sub-block, in both halves.
            const __m128i sub_sums = _mm_hadd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.bsums)),
                                                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.bsums + 8)));
            const __m256i sub_sums_pair = _mm256_broadcastsi128_si256(sub_sums);
            for (int p = 0; p < P; ++p) {
                const __m512 d = pair_f32x16(load_f16_as_f32(blocks[2 * p]) * xb.d, load_f16_as_f32(blocks[2 * p + 1]) * xb.d);
                acc[r][p] = _mm512_fmadd_ps(d, cvt_i32_f32x16(sums[r][p]), acc[r][p]);
                const __m256 neg_dmin = _mm256_setr_m128(_mm_set1_ps(-(load_f16_as_f32(blocks[2 * p] + 2) * xb.d)),
                                                         _mm_set1_ps(-(load_f16_as_f32(blocks[2 * p + 1] + 2) * xb.d)));
                min_acc[r][p] = _mm256_fmadd_ps(neg_dmin, _mm256_cvtepi32_ps(_mm256_madd_epi16(mins[p], sub_sums_pair)),
                                                min_acc[r][p]);
            }
        }
    }
    for (int r = 0; r < R; ++r) {
        for (int p = 0; p < P; ++p) {
            out[r][2 * p] = hsum_f32x8(low_f32x8(acc[r][p])) + hsum_f32x4(_mm256_castps256_ps128(min_acc[r][p]));
            out[r][2 * p + 1] = hsum_f32x8(high_f32x8(acc[r][p])) + hsum_f32x4(_mm256_extractf128_ps(min_acc[r][p], 1));
        }
    }
}

// Q6_K: ql[0:128], qh[128:192], scales[192:208] (int8, one per 16 elements),
// d[208:210]. Half h (128 elements) has four quarters of 32; code = low 4 bits
// | 2 high bits << 4 = value + 32, the +32 removed with the bsums.
template <int R, int P>
void q6_K_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[2 * P]) {
    constexpr int C = 2 * P;
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    const __m512i two_bits = _mm512_set1_epi8(3);
    __m512 acc[R][P];
    for (int r = 0; r < R; ++r) {
        for (int p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < k / super_block_size; ++b) {
        const uint8_t* blocks[C];
        for (int c = 0; c < C; ++c) blocks[c] = w[c] + b * static_cast<int64_t>(sizeof(block_q6_K));
        __m512i scales[P];  // int16: the even row's 16 scales in lanes 0..15, the odd row's in 16..31
        for (int p = 0; p < P; ++p) {
            scales[p] = pair_halves(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[2 * p] + 192))),
                                   _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[2 * p + 1] + 192))));
        }
        __m512i sums[R][P];
        for (int r = 0; r < R; ++r) {
            for (int p = 0; p < P; ++p) sums[r][p] = _mm512_setzero_si512();
        }
        for (int half = 0; half < 2; ++half) {
            for (int quarter = 0; quarter < 4; ++quarter) {
                // Bytes of ql holding this quarter's low 4 bits, and their shift.
                const int low_offset = 64 * half + 32 * (quarter % 2);
                const int low_shift = 4 * (quarter / 2);
                const int high_shift = 2 * quarter;
                const int chunk = 4 * half + quarter;  // 16-element scales 2·chunk, 2·chunk + 1
                const __m512i scale_index = scale_lanes(2 * chunk, 2 * chunk + 1, 16 + 2 * chunk, 17 + 2 * chunk);
                __m512i codes[P], chunk_scales[P];
                for (int p = 0; p < P; ++p) {
                    const __m512i low = pair_halves(load_i8x32(blocks[2 * p] + low_offset), load_i8x32(blocks[2 * p + 1] + low_offset));
                    const __m512i high = pair_halves(load_i8x32(blocks[2 * p] + 128 + 32 * half),
                                                    load_i8x32(blocks[2 * p + 1] + 128 + 32 * half));
                    codes[p] = _mm512_or_si512(
                        _mm512_and_si512(_mm512_srli_epi16(low, low_shift), nibble),
                        _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(high, high_shift), two_bits), 4));
                    chunk_scales[p] = _mm512_permutexvar_epi16(scale_index, scales[p]);
                }
                for (int r = 0; r < R; ++r) {
                    const block_q8_K& xb = *reinterpret_cast<const block_q8_K*>(x[r] + b * static_cast<int64_t>(sizeof(block_q8_K)));
                    const __m512i xq = broadcast_i8x32(xb.qs + 32 * chunk);
                    for (int p = 0; p < P; ++p) {
                        sums[r][p] = _mm512_dpwssd_epi32(sums[r][p], _mm512_maddubs_epi16(codes[p], xq), chunk_scales[p]);
                    }
                }
            }
        }
        for (int r = 0; r < R; ++r) {
            const block_q8_K& xb = *reinterpret_cast<const block_q8_K*>(x[r] + b * static_cast<int64_t>(sizeof(block_q8_K)));
            const __m512i bsums = broadcast_i8x32(xb.bsums);
            for (int p = 0; p < P; ++p) {
                // Remove the +32 offset per lane, as vec_dot_q6_K_q8_K_avx2.
                const __m512i offsets = _mm512_maskz_slli_epi32(0xffff, _mm512_madd_epi16(scales[p], bsums), 5);
                const __m512 d = pair_f32x16(load_f16_as_f32(blocks[2 * p] + 208) * xb.d,
                                             load_f16_as_f32(blocks[2 * p + 1] + 208) * xb.d);
                acc[r][p] = _mm512_fmadd_ps(d, cvt_i32_f32x16(_mm512_sub_epi32(sums[r][p], offsets)), acc[r][p]);
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

} // namespace

void matmul_tile_q4_K_q8_K_avx512vnni(const matmul_tile& tile) {
    for_each_micro_tile<k_tile_rows, 2 * k_tile_row_pairs>(tile, q4_K_micro_tile<k_tile_rows, k_tile_row_pairs>);
}

void matmul_tile_q6_K_q8_K_avx512vnni(const matmul_tile& tile) {
    for_each_micro_tile<k_tile_rows, 2 * k_tile_row_pairs>(tile, q6_K_micro_tile<k_tile_rows, k_tile_row_pairs>);
}

} // namespace llava
