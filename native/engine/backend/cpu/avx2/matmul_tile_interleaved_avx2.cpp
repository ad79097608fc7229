// Kernels in the order of llama.cpp's CPU_REPACK kernels (matmul_tile.h), which
// its CPU backend uses instead of its dot products for Q4_0 / Q4_K weights
// (Q2_K on AVX-512 hosts) with a multiple of 8 rows. There eight weight rows
// are interleaved so that each float lane holds one output: per group of
// elements the exact integer sum is converted and FMA'd by d_w·d_x (formats
// with mins: the mins term by dmin_w·d_x into a second accumulator, subtracted
// at the end); there is no horizontal float sum. Its one-row kernel (gemv)
// takes a group per block / super-block; its four-row kernel (gemm), used for
// the first M − M mod 4 rows of a prefill, groups of 64 (Q4_K) or 128 (Q2_K)
// elements: the `_x4` kernels.
//
// Micro-tile: interleaved_tile_rows activation rows × 8 weight rows, one
// 8-lane float accumulator (two with mins) per activation row, lane c for
// weight row c. The integer sums are computed in the lanes of the AVX2 dot
// products (k_quants_avx2.h) and reduced per weight row into lane c exactly.
#include "backend/cpu/matmul_tile.h"

#include "backend/cpu/avx2/k_quants_avx2.h"

#include <cstdint>
#include <immintrin.h>

namespace llava {

namespace {

// 8 rows per micro-tile as in llama.cpp; 4 activation rows reuse each decoded
// weight block.
constexpr int interleaved_tile_rows = 4;
constexpr int interleaved_cols = 8;

// Lane c of `low` / `high`: the sum of lanes 0..3 / 4..7 of v[c].
inline void sum_halves(const __m256i v[8], __m256i& low, __m256i& high) {
    const __m256i rows_0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    const __m256i rows_4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
    low = _mm256_permute2x128_si256(rows_0123, rows_4567, 0x20);
    high = _mm256_permute2x128_si256(rows_0123, rows_4567, 0x31);
}

// Lane c: the sum of all lanes of v[c].
inline __m256i sum_lanes(const __m256i v[8]) {
    __m256i low, high;
    sum_halves(v, low, high);
    return _mm256_add_epi32(low, high);
}

// rows[j], lane c: lane j of v[c].
inline void transpose_8x4(const __m128i v[8], __m256i rows[4]) {
    __m256i pairs[4];  // v[c] in the low half, v[c + 4] in the high half
    for (int c = 0; c < 4; ++c) pairs[c] = _mm256_set_m128i(v[c + 4], v[c]);
    const __m256i low01 = _mm256_unpacklo_epi32(pairs[0], pairs[1]), high01 = _mm256_unpackhi_epi32(pairs[0], pairs[1]);
    const __m256i low23 = _mm256_unpacklo_epi32(pairs[2], pairs[3]), high23 = _mm256_unpackhi_epi32(pairs[2], pairs[3]);
    rows[0] = _mm256_unpacklo_epi64(low01, low23);
    rows[1] = _mm256_unpackhi_epi64(low01, low23);
    rows[2] = _mm256_unpacklo_epi64(high01, high23);
    rows[3] = _mm256_unpackhi_epi64(high01, high23);
}

// The f16 at byte `offset` of each weight row's block `b` (block_bytes apart), as 8 floats.
inline __m256 load_f16x8(const uint8_t* const* w, int64_t b, int64_t block_bytes, int offset) {
    alignas(16) uint16_t halves[8];
    for (int c = 0; c < 8; ++c) halves[c] = load_unaligned<uint16_t>(w[c] + b * block_bytes + offset);
    return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(halves)));
}

template <typename ActivationBlock>
const ActivationBlock& activation_block(const uint8_t* row, int64_t b) {
    return reinterpret_cast<const ActivationBlock*>(row)[b];
}

inline void store_rows(const __m256* acc, int rows, float (*out)[8]) {
    for (int r = 0; r < rows; ++r) _mm256_storeu_ps(out[r], acc[r]);
}

template <int R>
void q4_0_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[8]) {
    __m256 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < k / block32_size; ++b) {
        if (b % 4 == 0) prefetch_weight_rows<8, 1024>(w, b * static_cast<int64_t>(sizeof(block_q4_0)), 64);
        __m256i codes[8];  // −8..7
        for (int c = 0; c < 8; ++c) {
            codes[c] = _mm256_sub_epi8(unpack_nibbles_32(w[c] + b * static_cast<int64_t>(sizeof(block_q4_0)) + 2),
                                       _mm256_set1_epi8(8));
        }
        const __m256 d_w = load_f16x8(w, b, sizeof(block_q4_0), 0);
        for (int r = 0; r < R; ++r) {
            const block_q8_0& xb = activation_block<block_q8_0>(x[r], b);
            const __m256i xq = load_i8x32(xb.qs);
            __m256i lanes[8];
            for (int c = 0; c < 8; ++c) lanes[c] = dot_i8_i8_quads(codes[c], xq);
            const __m256 d = _mm256_mul_ps(d_w, _mm256_set1_ps(load_f16_as_f32(&xb.d)));
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_lanes(lanes)), d, acc[r]);
        }
    }
    store_rows(acc, R, out);
}

// Q4_K: `Groups` FMAs per super-block (1: gemv order, 4: gemm order).
template <int Groups, int R>
void q4_K_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[8]) {
    constexpr int chunks_per_group = 4 / Groups;
    constexpr int64_t block_bytes = sizeof(block_q4_K);
    __m256 acc[R], min_acc[R];
    for (int r = 0; r < R; ++r) acc[r] = min_acc[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < k / super_block_size; ++b) {
        prefetch_weight_rows<8, 2304>(w, b * block_bytes, 192);
        const uint8_t* blocks[8];
        int scales[8][8];
        __m128i mins[8];
        for (int c = 0; c < 8; ++c) {
            blocks[c] = w[c] + b * block_bytes;
            mins[c] = unpack_q45_K_scales(blocks[c] + 4, scales[c]);
        }
        const __m256 d_w = load_f16x8(w, b, block_bytes, 0);
        const __m256 dmin_w = load_f16x8(w, b, block_bytes, 2);
        for (int r = 0; r < R; ++r) {
            const block_q8_K& xb = activation_block<block_q8_K>(x[r], b);
            const __m256 d_x = _mm256_set1_ps(xb.d);
            const __m256 d = _mm256_mul_ps(d_w, d_x);
            const __m256 dmin = _mm256_mul_ps(dmin_w, d_x);
            __m128i min_pairs[8];
            for (int c = 0; c < 8; ++c) min_pairs[c] = q45_K_min_pairs(mins[c], xb);
            __m256i chunk_mins[4];
            transpose_8x4(min_pairs, chunk_mins);
            for (int group = 0; group < Groups; ++group) {
                __m256i lanes[8];
                for (int c = 0; c < 8; ++c) {
                    lanes[c] = q4_K_chunk_sums(blocks[c], xb, scales[c], group * chunks_per_group);
                    for (int chunk = group * chunks_per_group + 1; chunk < (group + 1) * chunks_per_group; ++chunk) {
                        lanes[c] = _mm256_add_epi32(lanes[c], q4_K_chunk_sums(blocks[c], xb, scales[c], chunk));
                    }
                }
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_lanes(lanes)), d, acc[r]);
                __m256i group_mins = chunk_mins[group * chunks_per_group];
                for (int chunk = group * chunks_per_group + 1; chunk < (group + 1) * chunks_per_group; ++chunk) {
                    group_mins = _mm256_add_epi32(group_mins, chunk_mins[chunk]);
                }
                min_acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(group_mins), dmin, min_acc[r]);
            }
        }
    }
    for (int r = 0; r < R; ++r) acc[r] = _mm256_sub_ps(acc[r], min_acc[r]);
    store_rows(acc, R, out);
}

// Q2_K: `Groups` FMAs per super-block (1: gemv order, 2: gemm order, one per
// 128-element half).
template <int Groups, int R>
void q2_K_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[8]) {
    constexpr int64_t block_bytes = sizeof(block_q2_K);
    __m256 acc[R], min_acc[R];
    for (int r = 0; r < R; ++r) acc[r] = min_acc[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < k / super_block_size; ++b) {
        prefetch_weight_rows<8, 1024>(w, b * block_bytes, 128);
        const uint8_t* blocks[8];
        for (int c = 0; c < 8; ++c) blocks[c] = w[c] + b * block_bytes;
        const __m256 d_w = load_f16x8(w, b, block_bytes, 80);
        const __m256 dmin_w = load_f16x8(w, b, block_bytes, 82);
        for (int r = 0; r < R; ++r) {
            const block_q8_K& xb = activation_block<block_q8_K>(x[r], b);
            const __m256 d_x = _mm256_set1_ps(xb.d);
            const __m256 d = _mm256_mul_ps(d_w, d_x);
            const __m256 dmin = _mm256_mul_ps(dmin_w, d_x);
            __m256i half_lanes[2][8], min_lanes[8];  // min lanes 0..3: half 0, 4..7: half 1
            for (int c = 0; c < 8; ++c) {
                const q2_K_scales scales(blocks[c]);
                half_lanes[0][c] = q2_K_half_sums(blocks[c], xb, scales, 0);
                half_lanes[1][c] = q2_K_half_sums(blocks[c], xb, scales, 1);
                min_lanes[c] = scaled_bsum_pairs(scales.mins, xb);
            }
            __m256i min_halves[2];
            sum_halves(min_lanes, min_halves[0], min_halves[1]);
            if (Groups == 1) {
                __m256i lanes[8];
                for (int c = 0; c < 8; ++c) lanes[c] = _mm256_add_epi32(half_lanes[0][c], half_lanes[1][c]);
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_lanes(lanes)), d, acc[r]);
                min_acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(min_halves[0], min_halves[1])), dmin,
                                             min_acc[r]);
            } else {
                for (int half = 0; half < 2; ++half) {
                    acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_lanes(half_lanes[half])), d, acc[r]);
                    min_acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(min_halves[half]), dmin, min_acc[r]);
                }
            }
        }
    }
    for (int r = 0; r < R; ++r) acc[r] = _mm256_sub_ps(acc[r], min_acc[r]);
    store_rows(acc, R, out);
}

} // namespace

void matmul_tile_q4_0_q8_0_interleaved_avx2(const matmul_tile& tile) {
    for_each_micro_tile_rows<interleaved_tile_rows, interleaved_cols>(tile, q4_0_micro_tile<interleaved_tile_rows>,
                                                                      q4_0_micro_tile<1>);
}

void matmul_tile_q4_K_q8_K_interleaved_avx2(const matmul_tile& tile) {
    for_each_micro_tile_rows<interleaved_tile_rows, interleaved_cols>(tile, q4_K_micro_tile<1, interleaved_tile_rows>,
                                                                      q4_K_micro_tile<1, 1>);
}

void matmul_tile_q4_K_q8_K_interleaved_x4_avx2(const matmul_tile& tile) {
    for_each_micro_tile_rows<interleaved_tile_rows, interleaved_cols>(tile, q4_K_micro_tile<4, interleaved_tile_rows>,
                                                                      q4_K_micro_tile<4, 1>);
}

void matmul_tile_q2_K_q8_K_interleaved_avx2(const matmul_tile& tile) {
    for_each_micro_tile_rows<interleaved_tile_rows, interleaved_cols>(tile, q2_K_micro_tile<1, interleaved_tile_rows>,
                                                                      q2_K_micro_tile<1, 1>);
}

void matmul_tile_q2_K_q8_K_interleaved_x4_avx2(const matmul_tile& tile) {
    for_each_micro_tile_rows<interleaved_tile_rows, interleaved_cols>(tile, q2_K_micro_tile<2, interleaved_tile_rows>,
                                                                      q2_K_micro_tile<2, 1>);
}

} // namespace llava
