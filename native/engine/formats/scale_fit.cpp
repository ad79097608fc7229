#include "formats/scale_fit.h"

#include <algorithm>
#include <cmath>

namespace llava {
namespace {

// Candidates scored per pass over the values: four independent accumulator chains fill
// one 128-bit SIMD register and hide the add latency even when not vectorized.
constexpr int lanes = 4;

// Re-quantize / re-fit rounds after the grid search. The first round gains most; later
// ones rarely change the codes.
constexpr int polish_rounds = 2;

struct scored_affine_fit {
    affine_fit fit;
    double error;
};

// Least-squares scale and offset for fixed codes, from the sums over the block, and the
// resulting squared error (expanded form, so every constrained case is scored alike).
scored_affine_fit affine_least_squares(int n, double sum_x, double sum_xx, double sum_q, double sum_xq,
                                       double sum_qq, bool offset_nonpositive) {
    const double det = n * sum_qq - sum_q * sum_q;
    double scale = 0;
    double offset = sum_x / n;
    if (det > 0) {
        scale = (n * sum_xq - sum_q * sum_x) / det;
        offset = (sum_x - scale * sum_q) / n;
    }
    if (offset_nonpositive && offset > 0) {
        // The constrained optimum lies on the boundary offset = 0.
        offset = 0;
        scale = sum_qq > 0 ? sum_xq / sum_qq : 0;
    }
    if (scale < 0) {
        scale = 0;
        offset = offset_nonpositive ? std::min(0.0, sum_x / n) : sum_x / n;
    }
    const double error = sum_xx - 2 * scale * sum_xq - 2 * offset * sum_x + scale * scale * sum_qq +
                         2 * scale * offset * sum_q + n * offset * offset;
    return {{static_cast<float>(scale), static_cast<float>(offset)}, error};
}

}  // namespace

float fit_symmetric_scale(const float* x, int n, int q_min, int q_max, const candidate_grid& grid) {
    float extreme = 0;  // the value with the largest magnitude, sign included
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > std::fabs(extreme)) extreme = x[i];
    }
    if (extreme == 0) return 0;

    const float lo = static_cast<float>(q_min), hi = static_cast<float>(q_max);
    // For fixed codes the best scale is sum_xq / sum_qq and the error sum_xx minus
    // score = sum_xq^2 / sum_qq, so the candidate with the highest score wins.
    float best_scale = 0;
    double best_score = -1;
    const auto consider = [&](float sum_xq, float sum_qq) {
        if (sum_qq <= 0) return;
        const double score = static_cast<double>(sum_xq) * sum_xq / sum_qq;
        if (score > best_score) {
            best_score = score;
            best_scale = sum_xq / sum_qq;
        }
    };
    // The range is lopsided (q_min = -q_max - 1 for most formats), so the extreme value
    // may fit better at either end: the longer one gives it more levels, the shorter one
    // leaves more for the values of opposite sign.
    for (const int end : {q_min, q_max}) {
        const float end_level = static_cast<float>(end < 0 ? -end : end);
        const float per_level = (end < 0 ? -1.0f : 1.0f) / extreme;
        for (int first = 0; first < grid.count; first += lanes) {
            float inverse[lanes], sum_xq[lanes] = {}, sum_qq[lanes] = {};
            for (int c = 0; c < lanes; ++c) {
                const float level = end_level + grid.first_shift + grid.step * static_cast<float>(first + c);
                inverse[c] = level * per_level;
            }
            for (int i = 0; i < n; ++i) {
                for (int c = 0; c < lanes; ++c) {
                    const float q = round_code(x[i] * inverse[c], lo, hi);
                    sum_xq[c] += x[i] * q;
                    sum_qq[c] += q * q;
                }
            }
            for (int c = 0; c < lanes; ++c) consider(sum_xq[c], sum_qq[c]);
        }
    }
    for (int round = 0; round < polish_rounds; ++round) {
        const float previous = best_scale;
        const float inverse = 1.0f / best_scale;
        float sum_xq = 0, sum_qq = 0;
        for (int i = 0; i < n; ++i) {
            const float q = round_code(x[i] * inverse, lo, hi);
            sum_xq += x[i] * q;
            sum_qq += q * q;
        }
        consider(sum_xq, sum_qq);
        if (best_scale == previous) break;
    }
    return best_scale;
}

affine_fit fit_affine(const float* x, int n, int q_max, bool offset_nonpositive, const candidate_grid& grid) {
    float lowest = x[0], highest = x[0], sum_x = 0, sum_xx = 0;
    for (int i = 0; i < n; ++i) {
        lowest = std::min(lowest, x[i]);
        highest = std::max(highest, x[i]);
        sum_x += x[i];
        sum_xx += x[i] * x[i];
    }
    if (offset_nonpositive) lowest = std::min(lowest, 0.0f);
    if (highest == lowest) return {0, lowest};

    const float hi = static_cast<float>(q_max);
    affine_fit best = {(highest - lowest) / hi, lowest};
    double best_error = HUGE_VAL;
    const auto consider = [&](float sum_q, float sum_xq, float sum_qq) {
        const scored_affine_fit scored =
            affine_least_squares(n, sum_x, sum_xx, sum_q, sum_xq, sum_qq, offset_nonpositive);
        if (scored.error < best_error) {
            best_error = scored.error;
            best = scored.fit;
        }
    };
    // Candidates keep the offset at the lowest value and vary how many levels the range spans.
    const float per_level = 1.0f / (highest - lowest);
    for (int first = 0; first < grid.count; first += lanes) {
        float inverse[lanes], sum_q[lanes] = {}, sum_xq[lanes] = {}, sum_qq[lanes] = {};
        for (int c = 0; c < lanes; ++c) {
            const float levels = hi + grid.first_shift + grid.step * static_cast<float>(first + c);
            inverse[c] = levels * per_level;
        }
        for (int i = 0; i < n; ++i) {
            const float shifted = x[i] - lowest;
            for (int c = 0; c < lanes; ++c) {
                const float q = round_code(shifted * inverse[c], 0.0f, hi);
                sum_q[c] += q;
                sum_xq[c] += x[i] * q;
                sum_qq[c] += q * q;
            }
        }
        for (int c = 0; c < lanes; ++c) consider(sum_q[c], sum_xq[c], sum_qq[c]);
    }
    for (int round = 0; round < polish_rounds && best.scale != 0; ++round) {
        const affine_fit previous = best;
        const float inverse = 1.0f / best.scale;
        float sum_q = 0, sum_xq = 0, sum_qq = 0;
        for (int i = 0; i < n; ++i) {
            const float q = round_code((x[i] - previous.offset) * inverse, 0.0f, hi);
            sum_q += q;
            sum_xq += x[i] * q;
            sum_qq += q * q;
        }
        consider(sum_q, sum_xq, sum_qq);
        if (best.scale == previous.scale && best.offset == previous.offset) break;
    }
    return best;
}

void symmetric_codes(const float* x, int n, float scale, int q_min, int q_max, int* q) {
    const float inverse = inverse_or_zero(scale);
    const float lo = static_cast<float>(q_min), hi = static_cast<float>(q_max);
    for (int i = 0; i < n; ++i) q[i] = static_cast<int>(round_code(x[i] * inverse, lo, hi));
}

void affine_codes(const float* x, int n, float scale, float min, int q_max, int* q) {
    const float inverse = inverse_or_zero(scale);
    const float hi = static_cast<float>(q_max);
    for (int i = 0; i < n; ++i) q[i] = static_cast<int>(round_code((x[i] + min) * inverse, 0.0f, hi));
}

float symmetric_grid_error(const float* x, int n, float scale, int q_min, int q_max) {
    const float inverse = inverse_or_zero(scale);
    const float lo = static_cast<float>(q_min), hi = static_cast<float>(q_max);
    return interleaved_sum(n, [&](int i) {
        const float diff = x[i] - scale * round_code(x[i] * inverse, lo, hi);
        return diff * diff;
    });
}

float affine_grid_error(const float* x, int n, float scale, float min, int q_max) {
    const float inverse = inverse_or_zero(scale);
    const float hi = static_cast<float>(q_max);
    return interleaved_sum(n, [&](int i) {
        const float diff = x[i] - (scale * round_code((x[i] + min) * inverse, 0.0f, hi) - min);
        return diff * diff;
    });
}

}  // namespace llava
