// AVX-512 VNNI kernels in the order of llama.cpp's CPU_REPACK kernels
// (matmul_tile.h; the order is described in
// avx2/matmul_tile_interleaved_avx2.cpp): one float lane per output, each
// group's exact integer sum FMA'd by d_w·d_x.
//
// Micro-tile: interleaved_tile_rows activation rows × 16 weight rows. Per
// block the 16 weight rows are transposed into dword lanes (lane c: four
// consecutive codes of row c), so that vpdpbusd with a broadcast activation
// dword adds each row's four products into its own lane: the integer sums
// need no horizontal reduction. The sums are exact, so they equal those of
// the AVX2 kernels whatever the order, and the float steps are the same: the
// results are bit-identical.
#include "backend/cpu/matmul_tile.h"

#include "backend/cpu/avx512/micro_tile_avx512.h"
#include "formats/blocks.h"

#include <cstdint>
#include <immintrin.h>

namespace llava {

namespace {

constexpr int interleaved_tile_rows = 4;
constexpr int interleaved_cols = 16;

// out[t], lane c: dword t of the 16 bytes at rows[c] + offset (t < 4).
inline void load_transposed_16x4(const uint8_t* const* rows, int64_t offset, __m512i out[4]) {
    __m512i z[4];  // z[g]: rows g, g + 4, g + 8, g + 12 in its four 128-bit lanes
    for (int g = 0; g < 4; ++g) {
        z[g] = _mm512_maskz_broadcast_i32x4(0x000f, _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[g] + offset)));
        for (int lane = 1; lane < 4; ++lane) {
            const __m128i row = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[g + 4 * lane] + offset));
            z[g] = _mm512_mask_broadcast_i32x4(z[g], static_cast<__mmask16>(0x000f << (4 * lane)), row);
        }
    }
    // (Masked forms: see micro_tile_avx512.h.)
    const __m512i low01 = _mm512_maskz_unpacklo_epi32(0xffff, z[0], z[1]);
    const __m512i high01 = _mm512_maskz_unpackhi_epi32(0xffff, z[0], z[1]);
    const __m512i low23 = _mm512_maskz_unpacklo_epi32(0xffff, z[2], z[3]);
    const __m512i high23 = _mm512_maskz_unpackhi_epi32(0xffff, z[2], z[3]);
    out[0] = _mm512_maskz_unpacklo_epi64(0xff, low01, low23);
    out[1] = _mm512_maskz_unpackhi_epi64(0xff, low01, low23);
    out[2] = _mm512_maskz_unpacklo_epi64(0xff, high01, high23);
    out[3] = _mm512_maskz_unpackhi_epi64(0xff, high01, high23);
}

// The f16 at byte `offset` of each row's block `b`, as 16 floats.
inline __m512 load_f16x16(const uint8_t* const* w, int64_t b, int64_t block_bytes, int offset) {
    alignas(32) uint16_t halves[16];
    for (int c = 0; c < 16; ++c) halves[c] = load_unaligned<uint16_t>(w[c] + b * block_bytes + offset);
    return _mm512_maskz_cvtph_ps(0xffff, _mm256_load_si256(reinterpret_cast<const __m256i*>(halves)));
}

inline __m512i broadcast_dword(const int8_t* p) {
    return _mm512_set1_epi32(load_unaligned<int32_t>(p));
}

template <typename ActivationBlock>
const ActivationBlock& activation_block(const uint8_t* row, int64_t b) {
    return reinterpret_cast<const ActivationBlock*>(row)[b];
}

// The Q4_K packed 6-bit scales and mins (formats/packed_scales.h) of 16 rows at
// once: 12 bytes at rows[c] + offset, as dwords a (bytes 0..3), b (4..7), c (8..11).
inline void unpack_q4_K_scales_mins(const uint8_t* const* rows, int64_t offset, __m512i scales[8], __m512i mins[8]) {
    __m512i dwords[4];
    load_transposed_16x4(rows, offset, dwords);
    const __m512i a = dwords[0], b = dwords[1], c = dwords[2];
    const __m512i low6 = _mm512_set1_epi32(0x3f3f3f3f), low4 = _mm512_set1_epi32(0x0f0f0f0f);
    const __m512i bits45 = _mm512_set1_epi32(0x30303030);
    // Byte s of each: sub-block s (first) or 4 + s (second).
    const __m512i scale_bytes[2] = {
        _mm512_and_si512(a, low6),
        _mm512_or_si512(_mm512_and_si512(c, low4), _mm512_and_si512(_mm512_maskz_srli_epi32(0xffff, a, 2), bits45))};
    const __m512i min_bytes[2] = {
        _mm512_and_si512(b, low6),
        _mm512_or_si512(_mm512_and_si512(_mm512_maskz_srli_epi32(0xffff, c, 4), low4),
                        _mm512_and_si512(_mm512_maskz_srli_epi32(0xffff, b, 2), bits45))};
    const __m512i byte = _mm512_set1_epi32(0xff);
    for (int sub = 0; sub < 8; ++sub) {
        const unsigned shift = 8 * (sub % 4);
        scales[sub] = _mm512_and_si512(_mm512_maskz_srli_epi32(0xffff, scale_bytes[sub / 4], shift), byte);
        mins[sub] = _mm512_and_si512(_mm512_maskz_srli_epi32(0xffff, min_bytes[sub / 4], shift), byte);
    }
}

template <int R>
void q4_0_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[16]) {
    constexpr int64_t block_bytes = sizeof(block_q4_0);
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t b = 0; b < k / block32_size; ++b) {
        // codes[t]: elements 4t..4t+3 (t < 4: low nibbles, t ≥ 4: high nibbles of dword t − 4), 0..15.
        if (b % 4 == 0) prefetch_weight_rows<16, 1024>(w, b * block_bytes, 64);
        __m512i packed[4], codes[8];
        load_transposed_16x4(w, b * block_bytes + 2, packed);
        for (int t = 0; t < 4; ++t) {
            codes[t] = _mm512_and_si512(packed[t], nibble);
            codes[4 + t] = _mm512_and_si512(_mm512_srli_epi16(packed[t], 4), nibble);
        }
        const __m512 d_w = load_f16x16(w, b, block_bytes, 0);
        for (int r = 0; r < R; ++r) {
            const block_q8_0& xb = activation_block<block_q8_0>(x[r], b);
            __m512i sum = _mm512_setzero_si512();
            for (int t = 0; t < 8; ++t) sum = _mm512_dpbusd_epi32(sum, codes[t], broadcast_dword(xb.qs + 4 * t));
            // The codes are value + 8: remove 8·Σx.
            const __m256i pairs = _mm256_maddubs_epi16(_mm256_set1_epi8(1), load_i8x32(xb.qs));
            const int x_sum = hsum_i32x8(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
            sum = _mm512_sub_epi32(sum, _mm512_set1_epi32(8 * x_sum));
            const __m512 d = _mm512_mul_ps(d_w, _mm512_set1_ps(load_f16_as_f32(&xb.d)));
            acc[r] = _mm512_fmadd_ps(cvt_i32_f32x16(sum), d, acc[r]);
        }
    }
    for (int r = 0; r < R; ++r) _mm512_storeu_ps(out[r], acc[r]);
}

// Q4_K: d[0:2], dmin[2:4], scales[4:16], qs[16:144]; `Groups` FMAs per
// super-block (1: gemv order, 4: gemm order, one per 64-element chunk).
template <int Groups, int R>
void q4_K_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[16]) {
    constexpr int chunks_per_group = 4 / Groups;
    constexpr int64_t block_bytes = sizeof(block_q4_K);
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    __m512 acc[R], min_acc[R];
    for (int r = 0; r < R; ++r) acc[r] = min_acc[r] = _mm512_setzero_ps();
    for (int64_t b = 0; b < k / super_block_size; ++b) {
        prefetch_weight_rows<16, 2304>(w, b * block_bytes, 192);
        __m512i scales[8], mins[8];  // lane c: row c's 6-bit scale / min of each sub-block
        unpack_q4_K_scales_mins(w, b * block_bytes + 4, scales, mins);
        const __m512 d_w = load_f16x16(w, b, block_bytes, 0);
        const __m512 dmin_w = load_f16x16(w, b, block_bytes, 2);
        __m512i group_sums[R], group_mins[R];
        for (int chunk = 0; chunk < 4; ++chunk) {
            // codes[t]: elements 4t..4t+3 of sub-block 2·chunk (t < 8) and 2·chunk + 1 (t ≥ 8).
            __m512i codes[16];
            for (int quarter = 0; quarter < 2; ++quarter) {
                __m512i packed[4];
                load_transposed_16x4(w, b * block_bytes + 16 + 32 * chunk + 16 * quarter, packed);
                for (int t = 0; t < 4; ++t) {
                    codes[4 * quarter + t] = _mm512_and_si512(packed[t], nibble);
                    codes[8 + 4 * quarter + t] = _mm512_and_si512(_mm512_srli_epi16(packed[t], 4), nibble);
                }
            }
            const __m512i scale_low = scales[2 * chunk], scale_high = scales[2 * chunk + 1];
            const __m512i min_low = mins[2 * chunk], min_high = mins[2 * chunk + 1];
            for (int r = 0; r < R; ++r) {
                const block_q8_K& xb = activation_block<block_q8_K>(x[r], b);
                const int8_t* xq = xb.qs + 64 * chunk;
                __m512i low = _mm512_setzero_si512(), high = _mm512_setzero_si512();
                for (int t = 0; t < 8; ++t) {
                    low = _mm512_dpbusd_epi32(low, codes[t], broadcast_dword(xq + 4 * t));
                    high = _mm512_dpbusd_epi32(high, codes[8 + t], broadcast_dword(xq + 32 + 4 * t));
                }
                const __m512i sum = _mm512_add_epi32(_mm512_mullo_epi32(low, scale_low), _mm512_mullo_epi32(high, scale_high));
                const __m512i min_sum = _mm512_add_epi32(
                    _mm512_mullo_epi32(min_low, _mm512_set1_epi32(xb.bsums[4 * chunk] + xb.bsums[4 * chunk + 1])),
                    _mm512_mullo_epi32(min_high, _mm512_set1_epi32(xb.bsums[4 * chunk + 2] + xb.bsums[4 * chunk + 3])));
                const bool group_start = chunk % chunks_per_group == 0;
                group_sums[r] = group_start ? sum : _mm512_add_epi32(group_sums[r], sum);
                group_mins[r] = group_start ? min_sum : _mm512_add_epi32(group_mins[r], min_sum);
                if ((chunk + 1) % chunks_per_group == 0) {
                    const __m512 d_x = _mm512_set1_ps(xb.d);
                    acc[r] = _mm512_fmadd_ps(cvt_i32_f32x16(group_sums[r]), _mm512_mul_ps(d_w, d_x), acc[r]);
                    min_acc[r] = _mm512_fmadd_ps(cvt_i32_f32x16(group_mins[r]), _mm512_mul_ps(dmin_w, d_x), min_acc[r]);
                }
            }
        }
    }
    for (int r = 0; r < R; ++r) _mm512_storeu_ps(out[r], _mm512_sub_ps(acc[r], min_acc[r]));
}

} // namespace

void matmul_tile_q4_0_q8_0_interleaved_avx512vnni(const matmul_tile& tile) {
    for_each_micro_tile_rows<interleaved_tile_rows, interleaved_cols>(tile, q4_0_micro_tile<interleaved_tile_rows>,
                                                                      q4_0_micro_tile<1>);
}

void matmul_tile_q4_K_q8_K_interleaved_avx512vnni(const matmul_tile& tile) {
    for_each_micro_tile_rows<interleaved_tile_rows, interleaved_cols>(tile, q4_K_micro_tile<1, interleaved_tile_rows>,
                                                                      q4_K_micro_tile<1, 1>);
}

void matmul_tile_q4_K_q8_K_interleaved_x4_avx512vnni(const matmul_tile& tile) {
    for_each_micro_tile_rows<interleaved_tile_rows, interleaved_cols>(tile, q4_K_micro_tile<4, interleaved_tile_rows>,
                                                                      q4_K_micro_tile<4, 1>);
}

} // namespace llava
