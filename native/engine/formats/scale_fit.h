// Scale search shared by all quantizers (internal to formats/).
//
// A block of values x is approximated on an integer grid, either symmetric
// (x ~ scale * q, q in [q_min, q_max]) or affine (x ~ scale * q + offset, q in [0, q_max]).
// A plain "map the largest value to the last level" scale wastes levels; instead we try
// a small grid of candidate scales, score each by the least-squares fit of scale (and
// offset) to the codes it produces, and polish the winner with up to two
// re-quantize/re-fit rounds.
//
// Speed matters (whole 7B models are quantized at once), so the inner loops over values
// use no division and no library rounding call: they multiply by a precomputed inverse
// scale, clamp and round in float (round_code), and evaluate four candidates per pass
// over the values so the compiler can keep them in one SIMD register.
#pragma once

#include <cfloat>

namespace llava {

// round_small relies on float expressions being evaluated exactly as written, in float
// precision: x87 extended precision would round at the wrong bit, and -ffast-math may
// fold (v + c) - c into v.
static_assert(FLT_EVAL_METHOD == 0, "quantizers need float arithmetic in float precision");
#if defined(__FAST_MATH__)
#error "the quantizers' rounding needs IEEE float semantics: build without -ffast-math"
#endif

// Nearest integer to v as a float, for |v| <= 2^22 (ties to even under the default
// rounding mode). Adding 1.5 * 2^23 leaves no fraction bits in the mantissa, so the
// addition itself rounds; unlike std::lround this is branch-free and vectorizes.
inline float round_small(float v) {
    constexpr float shifter = 12582912.0f;  // 1.5 * 2^23
    return (v + shifter) - shifter;
}

// v limited to [lo, hi]; NaN becomes lo, so every code stays in range whatever the input.
inline float clamp_to(float v, float lo, float hi) {
    v = v > lo ? v : lo;
    return v < hi ? v : hi;
}

// The code for a value already multiplied by the inverse scale.
inline float round_code(float scaled, float q_min, float q_max) {
    return round_small(clamp_to(scaled, q_min, q_max));
}

// 1 / scale, or 0 for a zero scale (every value then gets the code nearest 0).
inline float inverse_or_zero(float scale) { return scale != 0 ? 1.0f / scale : 0.0f; }

// Sum of term(i) for i in [0, n), n a multiple of 4. Four interleaved partial sums
// break the chain of dependent additions and let the compiler use SIMD; the order is
// fixed, so the result is still deterministic.
template <typename Term>
float interleaved_sum(int n, Term term) {
    float partial[4] = {};
    for (int i = 0; i < n; i += 4) {
        for (int c = 0; c < 4; ++c) partial[c] += term(i + c);
    }
    return (partial[0] + partial[1]) + (partial[2] + partial[3]);
}

// Candidate scales map the largest-magnitude value onto level `end + shift` (in code
// units, for an end of the code range) for shift = first_shift + k * step,
// k = 0 .. count - 1. count is a multiple of 4.
struct candidate_grid {
    float first_shift;
    float step;
    int count;
};

// Best scale for x ~ scale * q with q in [q_min, q_max] (q_min < 0 < q_max). The grid is
// tried at both ends of the range: the scale's sign says which end the
// largest-magnitude value went to. Returns 0 for an all-zero block.
float fit_symmetric_scale(const float* x, int n, int q_min, int q_max, const candidate_grid& grid);

struct affine_fit {
    float scale;   // >= 0
    float offset;  // x ~ scale * q + offset
};

// Best scale and offset for x ~ scale * q + offset with q in [0, q_max]; the grid spans
// the range from the lowest to the highest value over q_max + shift levels. With
// `offset_nonpositive` the offset is constrained to <= 0 (the K-quant "min" is stored as
// a non-negative amount subtracted from every value).
affine_fit fit_affine(const float* x, int n, int q_max, bool offset_nonpositive, const candidate_grid& grid);

// Codes q[i] = nearest(x[i] / scale) in [q_min, q_max], as the decoder's scale sees them.
void symmetric_codes(const float* x, int n, float scale, int q_min, int q_max, int* q);

// Codes q[i] = nearest((x[i] + min) / scale) in [0, q_max], for the decode y = scale * q - min.
void affine_codes(const float* x, int n, float scale, float min, int q_max, int* q);

// Squared error of x against scale * nearest code, codes in [q_min, q_max]; n a multiple of 4.
float symmetric_grid_error(const float* x, int n, float scale, int q_min, int q_max);

// Squared error of x against scale * nearest code - min, codes in [0, q_max]; n a multiple of 4.
float affine_grid_error(const float* x, int n, float scale, float min, int q_max);

}  // namespace llava
