// Quantizers for the K-quant super-blocks Q2_K, Q3_K, Q4_K, Q5_K and Q6_K.
//
// Two levels of scales: every sub-block (16 or 32 values) first gets its own best
// float scale (and min) from the candidate search in scale_fit.h. Those sub-block
// scales are then themselves quantized to small integers ("levels") times one f16
// super-block scale; a few super-scales are tried and scored by the actual
// reconstruction error. Rounding the levels moves every sub-block off its optimum; to
// recover part of that loss, the affine formats try each level's neighbours, and the
// super-scales are finally re-fitted by least squares to the codes and levels chosen.
// Every value is quantized against the effective scale exactly as the decoder computes
// it (d * level, rounded to float).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "formats/half.h"
#include "formats/packed_scales.h"
#include "formats/quantize_blocks.h"
#include "formats/scale_fit.h"

namespace llava {
namespace {

// Sub-block candidate grids (in code units around an end of the code range). Once the
// winner is polished, more candidates barely lower the error on Gaussian data, except
// for Q4_K and Q5_K, whose error is the closest to ggml's and gets twice as many.
constexpr candidate_grid q2_grid = {-0.5f, 0.25f, 4};
constexpr candidate_grid q3_grid = {-1.0f, 0.5f, 4};
constexpr candidate_grid q4_q5_grid = {-1.0f, 0.25f, 8};
constexpr candidate_grid q6_grid = {-1.0f, 0.5f, 4};

// Super-block scale candidates: largest sub-block scale / (level_max + offset). A
// slightly smaller super-scale trades a clipped largest sub-block for finer levels
// everywhere else, and vice versa.
constexpr float super_scale_level_offsets[] = {-0.5f, 0.0f, 0.5f, 1.0f};

// ---- Formats whose sub-blocks have a scale and a min: y = (d*ls) * q - (dmin*lm) ----

template <int n_sub, int sub_len>
struct affine_super_block {
    uint16_t d_bits = 0;      // f16 unit of the scale levels
    uint16_t dmin_bits = 0;   // f16 unit of the min levels
    uint8_t scale[n_sub] = {};
    uint8_t min[n_sub] = {};
    float sub_error[n_sub] = {};  // squared reconstruction error of each sub-block
    float error = HUGE_VALF;      // and of the whole super-block
};

// Squared error of sub-block j under the given levels and the block's super-scales.
template <int n_sub, int sub_len>
float affine_sub_block_error(const float* x, const affine_super_block<n_sub, sub_len>& block, int j, int scale_level,
                             int min_level, int q_max) {
    const float d = f16_to_f32(block.d_bits);
    const float dmin = f16_to_f32(block.dmin_bits);
    return affine_grid_error(x + j * sub_len, sub_len, d * static_cast<float>(scale_level),
                             dmin * static_cast<float>(min_level), q_max);
}

// Fills in the block's errors for its super-scales and levels.
template <int n_sub, int sub_len>
void score_affine_super_block(const float* x, affine_super_block<n_sub, sub_len>& block, int q_max) {
    block.error = 0;
    for (int j = 0; j < n_sub; ++j) {
        block.sub_error[j] = affine_sub_block_error(x, block, j, block.scale[j], block.min[j], q_max);
        block.error += block.sub_error[j];
    }
}

// Moves each sub-block's scale level, then its min level, one step where that lowers
// the sub-block's error: the nearest level is not always best, because the codes
// re-round under the rounded scale and min.
template <int n_sub, int sub_len>
void adjust_affine_levels(const float* x, affine_super_block<n_sub, sub_len>& block, int q_max, int level_max) {
    block.error = 0;
    for (int j = 0; j < n_sub; ++j) {
        for (const int step : {-1, 1}) {
            const int level = block.scale[j] + step;
            if (level < 0 || level > level_max) continue;
            const float error = affine_sub_block_error(x, block, j, level, block.min[j], q_max);
            if (error < block.sub_error[j]) {
                block.sub_error[j] = error;
                block.scale[j] = static_cast<uint8_t>(level);
            }
        }
        for (const int step : {-1, 1}) {
            const int level = block.min[j] + step;
            if (level < 0 || level > level_max) continue;
            const float error = affine_sub_block_error(x, block, j, block.scale[j], level, q_max);
            if (error < block.sub_error[j]) {
                block.sub_error[j] = error;
                block.min[j] = static_cast<uint8_t>(level);
            }
        }
        block.error += block.sub_error[j];
    }
}

// Rounds every sub-block's scale and min to the nearest level of the given super-scales.
template <int n_sub, int sub_len>
affine_super_block<n_sub, sub_len> round_affine_levels(const float* x, const float scales[n_sub],
                                                       const float mins[n_sub], float d_target,
                                                       float dmin_target, int q_max, int level_max) {
    affine_super_block<n_sub, sub_len> block;
    block.d_bits = f32_to_f16(d_target);
    block.dmin_bits = f32_to_f16(dmin_target);
    const float inverse_d = inverse_or_zero(f16_to_f32(block.d_bits));
    const float inverse_dmin = inverse_or_zero(f16_to_f32(block.dmin_bits));
    const float top = static_cast<float>(level_max);
    for (int j = 0; j < n_sub; ++j) {
        block.scale[j] = static_cast<uint8_t>(round_code(scales[j] * inverse_d, 0.0f, top));
        block.min[j] = static_cast<uint8_t>(round_code(mins[j] * inverse_dmin, 0.0f, top));
    }
    score_affine_super_block(x, block, q_max);
    return block;
}

// Least-squares d and dmin for the block's levels and the codes they give:
// x ~ d * (ls * q) - dmin * lm. Keeps the result only if it lowers the error.
template <int n_sub, int sub_len>
void refit_affine_super_scales(const float* x, affine_super_block<n_sub, sub_len>& block, int q_max) {
    const float d = f16_to_f32(block.d_bits);
    const float dmin = f16_to_f32(block.dmin_bits);
    // Normal equations in a = ls * q and b = -lm.
    double aa = 0, ab = 0, bb = 0, xa = 0, xb = 0;
    for (int j = 0; j < n_sub; ++j) {
        const float* xs = x + j * sub_len;
        int q[sub_len];
        affine_codes(xs, sub_len, d * static_cast<float>(block.scale[j]), dmin * static_cast<float>(block.min[j]),
                     q_max, q);
        float sum_q = 0, sum_qq = 0, sum_xq = 0, sum_x = 0;
        for (int i = 0; i < sub_len; ++i) {
            const float qi = static_cast<float>(q[i]);
            sum_q += qi;
            sum_qq += qi * qi;
            sum_xq += xs[i] * qi;
            sum_x += xs[i];
        }
        const double ls = block.scale[j], lm = block.min[j];
        aa += ls * ls * sum_qq;
        ab -= ls * lm * sum_q;
        bb += lm * lm * sub_len;
        xa += ls * sum_xq;
        xb -= lm * sum_x;
    }
    const double det = aa * bb - ab * ab;
    if (!(det > 0)) return;
    const double new_d = (xa * bb - ab * xb) / det;
    const double new_dmin = (aa * xb - ab * xa) / det;
    if (!(new_d > 0) || new_dmin < 0) return;
    affine_super_block<n_sub, sub_len> refit = block;
    refit.d_bits = f32_to_f16(static_cast<float>(new_d));
    refit.dmin_bits = f32_to_f16(static_cast<float>(new_dmin));
    score_affine_super_block(x, refit, q_max);
    if (refit.error < block.error) block = refit;
}

// Quantizes a super-block of n_sub * sub_len values with unsigned codes 0..q_max and
// scale/min levels 0..level_max. Writes the codes to q.
template <int n_sub, int sub_len>
affine_super_block<n_sub, sub_len> quantize_affine_super_block(const float* x, int q_max, int level_max,
                                                               const candidate_grid& grid, int* q) {
    float scales[n_sub], mins[n_sub];
    float largest_scale = 0, largest_min = 0;
    for (int j = 0; j < n_sub; ++j) {
        const affine_fit fit = fit_affine(x + j * sub_len, sub_len, q_max, true, grid);
        scales[j] = fit.scale;
        mins[j] = -fit.offset;
        largest_scale = std::max(largest_scale, scales[j]);
        largest_min = std::max(largest_min, mins[j]);
    }
    affine_super_block<n_sub, sub_len> best;
    for (const float level_offset : super_scale_level_offsets) {
        const float divisor = static_cast<float>(level_max) + level_offset;
        const affine_super_block<n_sub, sub_len> candidate = round_affine_levels<n_sub, sub_len>(
            x, scales, mins, largest_scale / divisor, largest_min / divisor, q_max, level_max);
        if (candidate.error < best.error) best = candidate;
    }
    adjust_affine_levels(x, best, q_max, level_max);
    refit_affine_super_scales(x, best, q_max);
    const float d = f16_to_f32(best.d_bits);
    const float dmin = f16_to_f32(best.dmin_bits);
    for (int j = 0; j < n_sub; ++j) {
        affine_codes(x + j * sub_len, sub_len, d * static_cast<float>(best.scale[j]),
                     dmin * static_cast<float>(best.min[j]), q_max, q + j * sub_len);
    }
    return best;
}

// ---- Formats whose sub-blocks have a signed scale only: y = (d*ls) * q ----

struct symmetric_super_block {
    uint16_t d_bits = 0;
    int level[16] = {};
    float error = HUGE_VALF;
};

constexpr int symmetric_sub_len = 16;

float symmetric_super_block_error(const float* x, const symmetric_super_block& block, int q_min, int q_max) {
    const float d = f16_to_f32(block.d_bits);
    float error = 0;
    for (int j = 0; j < 16; ++j) {
        error += symmetric_grid_error(x + j * symmetric_sub_len, symmetric_sub_len,
                                      d * static_cast<float>(block.level[j]), q_min, q_max);
    }
    return error;
}

symmetric_super_block round_symmetric_levels(const float* x, const float scales[16], float d_target, int q_min,
                                             int q_max, int level_min, int level_max) {
    symmetric_super_block block;
    block.d_bits = f32_to_f16(d_target);
    const float inverse_d = inverse_or_zero(f16_to_f32(block.d_bits));
    for (int j = 0; j < 16; ++j) {
        block.level[j] = static_cast<int>(
            round_code(scales[j] * inverse_d, static_cast<float>(level_min), static_cast<float>(level_max)));
    }
    block.error = symmetric_super_block_error(x, block, q_min, q_max);
    return block;
}

// Least-squares d for the block's levels and the codes they give: x ~ d * (level * q).
// Keeps the result only if it lowers the error.
void refit_symmetric_super_scale(const float* x, symmetric_super_block& block, int q_min, int q_max) {
    const float d = f16_to_f32(block.d_bits);
    double aa = 0, xa = 0;
    for (int j = 0; j < 16; ++j) {
        const float* xs = x + j * symmetric_sub_len;
        int q[symmetric_sub_len];
        symmetric_codes(xs, symmetric_sub_len, d * static_cast<float>(block.level[j]), q_min, q_max, q);
        float sum_qq = 0, sum_xq = 0;
        for (int i = 0; i < symmetric_sub_len; ++i) {
            const float qi = static_cast<float>(q[i]);
            sum_qq += qi * qi;
            sum_xq += xs[i] * qi;
        }
        const double level = block.level[j];
        aa += level * level * sum_qq;
        xa += level * sum_xq;
    }
    if (!(aa > 0)) return;
    symmetric_super_block refit = block;
    refit.d_bits = f32_to_f16(static_cast<float>(xa / aa));
    refit.error = symmetric_super_block_error(x, refit, q_min, q_max);
    if (refit.error < block.error) block = refit;
}

// Quantizes 16 sub-blocks of 16 values with signed codes q_min..q_max and signed scale
// levels level_min..level_max (level_min = -level_max - 1). Writes the codes to q.
symmetric_super_block quantize_symmetric_super_block(const float* x, int q_min, int q_max, int level_min,
                                                     int level_max, const candidate_grid& grid, int* q) {
    float scales[16];
    float extreme_scale = 0;  // the sub-block scale of largest magnitude, sign included
    for (int j = 0; j < 16; ++j) {
        scales[j] = fit_symmetric_scale(x + j * symmetric_sub_len, symmetric_sub_len, q_min, q_max, grid);
        if (std::fabs(scales[j]) > std::fabs(extreme_scale)) extreme_scale = scales[j];
    }
    // The extreme scale maps onto the negative end of the level range, which has one
    // more level than the positive end.
    symmetric_super_block best;
    for (const float level_offset : super_scale_level_offsets) {
        const float divisor = static_cast<float>(level_min) - level_offset;
        const symmetric_super_block candidate =
            round_symmetric_levels(x, scales, extreme_scale / divisor, q_min, q_max, level_min, level_max);
        if (candidate.error < best.error) best = candidate;
    }
    refit_symmetric_super_scale(x, best, q_min, q_max);
    const float d = f16_to_f32(best.d_bits);
    for (int j = 0; j < 16; ++j) {
        symmetric_codes(x + j * symmetric_sub_len, symmetric_sub_len, d * static_cast<float>(best.level[j]), q_min,
                        q_max, q + j * symmetric_sub_len);
    }
    return best;
}

}  // namespace

void quantize_block_q2_K(const float* x, block_q2_K& block) {
    int q[256];
    const auto levels = quantize_affine_super_block<16, 16>(x, 3, 15, q2_grid, q);
    block.d = levels.d_bits;
    block.dmin = levels.dmin_bits;
    for (int j = 0; j < 16; ++j) {
        block.scales[j] = static_cast<uint8_t>(levels.scale[j] | (levels.min[j] << 4));
    }
    // Element e = 128*half + 32*plane + i lives in bits 2*plane of qs[32*half + i].
    memset(block.qs, 0, sizeof block.qs);
    for (int half = 0; half < 2; ++half) {
        for (int plane = 0; plane < 4; ++plane) {
            const int* codes = q + 128 * half + 32 * plane;
            for (int i = 0; i < 32; ++i) block.qs[32 * half + i] |= static_cast<uint8_t>(codes[i] << (2 * plane));
        }
    }
}

void quantize_block_q3_K(const float* x, block_q3_K& block) {
    int q[256];
    const symmetric_super_block levels = quantize_symmetric_super_block(x, -4, 3, -32, 31, q3_grid, q);
    block.d = levels.d_bits;
    uint8_t biased_levels[16];
    for (int j = 0; j < 16; ++j) biased_levels[j] = static_cast<uint8_t>(levels.level[j] + 32);
    pack_q3_K_scales(biased_levels, block.scales);
    // Codes -4..3 are stored as u = q + 4: two low bits in qs (like Q2_K) and the third
    // bit in hmask[i], bit 4*half + plane.
    memset(block.qs, 0, sizeof block.qs);
    memset(block.hmask, 0, sizeof block.hmask);
    for (int half = 0; half < 2; ++half) {
        for (int plane = 0; plane < 4; ++plane) {
            const int* codes = q + 128 * half + 32 * plane;
            for (int i = 0; i < 32; ++i) {
                const int u = codes[i] + 4;
                block.qs[32 * half + i] |= static_cast<uint8_t>((u & 3) << (2 * plane));
                block.hmask[i] |= static_cast<uint8_t>((u >> 2) << (4 * half + plane));
            }
        }
    }
}

void quantize_block_q4_K(const float* x, block_q4_K& block) {
    int q[256];
    const auto levels = quantize_affine_super_block<8, 32>(x, 15, 63, q4_q5_grid, q);
    block.d = levels.d_bits;
    block.dmin = levels.dmin_bits;
    pack_q4_K_scales_mins(levels.scale, levels.min, block.scales);
    // Chunk c of 64 values: the first 32 in the low nibbles of qs[32c..], the next 32
    // in the high nibbles.
    for (int c = 0; c < 4; ++c) {
        for (int i = 0; i < 32; ++i) {
            block.qs[32 * c + i] = static_cast<uint8_t>(q[64 * c + i] | (q[64 * c + 32 + i] << 4));
        }
    }
}

void quantize_block_q5_K(const float* x, block_q5_K& block) {
    int q[256];
    const auto levels = quantize_affine_super_block<8, 32>(x, 31, 63, q4_q5_grid, q);
    block.d = levels.d_bits;
    block.dmin = levels.dmin_bits;
    pack_q4_K_scales_mins(levels.scale, levels.min, block.scales);
    // As Q4_K, plus the fifth bit of sub-block j's i-th value in bit j of qh[i].
    memset(block.qh, 0, sizeof block.qh);
    for (int c = 0; c < 4; ++c) {
        for (int i = 0; i < 32; ++i) {
            const int low = q[64 * c + i], high = q[64 * c + 32 + i];
            block.qs[32 * c + i] = static_cast<uint8_t>((low & 0x0f) | ((high & 0x0f) << 4));
            block.qh[i] |= static_cast<uint8_t>(((low >> 4) << (2 * c)) | ((high >> 4) << (2 * c + 1)));
        }
    }
}

void quantize_block_q6_K(const float* x, block_q6_K& block) {
    int q[256];
    const symmetric_super_block levels = quantize_symmetric_super_block(x, -32, 31, -128, 127, q6_grid, q);
    block.d = levels.d_bits;
    for (int j = 0; j < 16; ++j) block.scales[j] = static_cast<int8_t>(levels.level[j]);
    // Element e = 128*half + 32*quarter + i, stored as u = q + 32: the low nibble in
    // ql[64*half + i (+32 for odd quarters)] (high nibble for quarters 2, 3), the top
    // two bits in qh[32*half + i], bit pair `quarter`.
    memset(block.ql, 0, sizeof block.ql);
    memset(block.qh, 0, sizeof block.qh);
    for (int half = 0; half < 2; ++half) {
        for (int quarter = 0; quarter < 4; ++quarter) {
            const int* codes = q + 128 * half + 32 * quarter;
            uint8_t* ql = block.ql + 64 * half + 32 * (quarter % 2);
            for (int i = 0; i < 32; ++i) {
                const int u = codes[i] + 32;
                ql[i] |= static_cast<uint8_t>((u & 0x0f) << (4 * (quarter / 2)));
                block.qh[32 * half + i] |= static_cast<uint8_t>((u >> 4) << (2 * quarter));
            }
        }
    }
}

}  // namespace llava
