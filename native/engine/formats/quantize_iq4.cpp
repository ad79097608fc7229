// Quantizers for IQ4_NL (32-value blocks) and IQ4_XS (256-value super-blocks).
//
// Both store 4-bit indices into the fixed non-linear table iq4_value(), scaled by a
// per-block scale. The scale search mirrors scale_fit.h's symmetric search, except
// that "rounding" means picking the nearest table entry, done with a lookup table.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "formats/half.h"
#include "formats/iq4_values.h"
#include "formats/quantize_blocks.h"
#include "formats/scale_fit.h"

namespace llava {
namespace {

constexpr int table_size = 16;
// Candidate scales map the extreme value to an end entry of the table, moved by
// first_shift + k * step table units (neighbouring end entries are ~20 units apart).
constexpr candidate_grid table_grid = {-4.0f, 2.0f, 4};
constexpr int polish_rounds = 2;
constexpr int lanes = 4;  // candidates scored per pass, as in scale_fit.cpp
// IQ4_XS super-block scale candidates, as in quantize_k.cpp.
constexpr float super_scale_level_offsets[] = {-0.5f, 0.0f, 0.5f, 1.0f};

// Nearest table entry for every value v (in table units), looked up by half-unit bucket
// floor(2 * v) over [-128, 128). The midpoints between neighbouring entries are
// multiples of 0.5, so no bucket straddles one (a value exactly on a midpoint is a tie
// either way), and the bucket centre's nearest entry is every member's.
struct nearest_entry_table {
    static constexpr int buckets = 512;
    static constexpr float first_unit = -128.0f;
    uint8_t index[buckets];
    float value[buckets];  // iq4_value(index), as a float
};

const nearest_entry_table& nearest_entries() {
    static const nearest_entry_table table = [] {
        nearest_entry_table t{};
        for (int b = 0; b < nearest_entry_table::buckets; ++b) {
            const float centre = nearest_entry_table::first_unit + 0.5f * static_cast<float>(b) + 0.25f;
            int index = 0;
            for (int k = 1; k < table_size; ++k) {
                if (std::fabs(centre - static_cast<float>(iq4_value(k))) <
                    std::fabs(centre - static_cast<float>(iq4_value(index)))) {
                    index = k;
                }
            }
            t.index[b] = static_cast<uint8_t>(index);
            t.value[b] = static_cast<float>(iq4_value(index));
        }
        return t;
    }();
    return table;
}

// Bucket of a value in table units; values beyond the table's ends share its end buckets.
inline int bucket_of(float units) {
    const float position = clamp_to(2.0f * (units - nearest_entry_table::first_unit), 0.0f,
                                    static_cast<float>(nearest_entry_table::buckets - 1));
    return static_cast<int>(position);  // truncation = floor for non-negative positions
}

// Squared error of x against scale * (nearest table entry). A zero scale decodes every
// value to 0 (entry +1, the one nearest 0).
float table_grid_error(const float* x, int n, float scale, const nearest_entry_table& table) {
    const float inverse = inverse_or_zero(scale);
    float error = 0;
    for (int i = 0; i < n; ++i) {
        const float diff = x[i] - scale * table.value[bucket_of(x[i] * inverse)];
        error += diff * diff;
    }
    return error;
}

// Table indices for x under the decoder's scale.
void table_codes(const float* x, int n, float scale, const nearest_entry_table& table, uint8_t* codes) {
    const float inverse = inverse_or_zero(scale);
    for (int i = 0; i < n; ++i) codes[i] = table.index[bucket_of(x[i] * inverse)];
}

// Best scale for x ~ scale * iq4_value(index) (n <= 32). 0 for an all-zero block.
float fit_table_scale(const float* x, int n, const nearest_entry_table& table) {
    float extreme = 0;
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > std::fabs(extreme)) extreme = x[i];
    }
    if (extreme == 0) return 0;

    // Score sum_xk^2 / sum_kk = sum_xx - error of the least-squares scale; no entry is
    // 0, so sum_kk > 0.
    float best_scale = 0;
    double best_score = -1;
    const auto consider = [&](float sum_xk, float sum_kk) {
        const double score = static_cast<double>(sum_xk) * sum_xk / sum_kk;
        if (score > best_score) {
            best_score = score;
            best_scale = sum_xk / sum_kk;
        }
    };
    // As in fit_symmetric_scale, the extreme value may go to either end of the
    // lopsided table (-127 or +113).
    for (const int end_index : {0, table_size - 1}) {
        const int end_value = iq4_value(end_index);
        const float end_units = static_cast<float>(end_value < 0 ? -end_value : end_value);
        const float per_unit = (end_value < 0 ? -1.0f : 1.0f) / extreme;
        for (int first = 0; first < table_grid.count; first += lanes) {
            float inverse[lanes], sum_xk[lanes] = {}, sum_kk[lanes] = {};
            for (int c = 0; c < lanes; ++c) {
                const float units = end_units + table_grid.first_shift + table_grid.step * static_cast<float>(first + c);
                inverse[c] = units * per_unit;
            }
            for (int i = 0; i < n; ++i) {
                for (int c = 0; c < lanes; ++c) {
                    const float k = table.value[bucket_of(x[i] * inverse[c])];
                    sum_xk[c] += x[i] * k;
                    sum_kk[c] += k * k;
                }
            }
            for (int c = 0; c < lanes; ++c) consider(sum_xk[c], sum_kk[c]);
        }
    }
    for (int round = 0; round < polish_rounds; ++round) {
        const float previous = best_scale;
        const float inverse = 1.0f / best_scale;
        float sum_xk = 0, sum_kk = 0;
        for (int i = 0; i < n; ++i) {
            const float k = table.value[bucket_of(x[i] * inverse)];
            sum_xk += x[i] * k;
            sum_kk += k * k;
        }
        consider(sum_xk, sum_kk);
        if (best_scale == previous) break;
    }
    return best_scale;
}

void pack_index_nibbles(const uint8_t codes[32], uint8_t qs[16]) {
    for (int i = 0; i < 16; ++i) qs[i] = static_cast<uint8_t>(codes[i] | (codes[i + 16] << 4));
}

}  // namespace

void quantize_block_iq4_nl(const float* x, block_iq4_nl& block) {
    const nearest_entry_table& table = nearest_entries();
    block.d = f32_to_f16(fit_table_scale(x, 32, table));
    uint8_t codes[32];
    table_codes(x, 32, f16_to_f32(block.d), table, codes);
    pack_index_nibbles(codes, block.qs);
}

void quantize_block_iq4_xs(const float* x, block_iq4_xs& block) {
    constexpr int n_sub = 8, sub_len = 32, level_min = -32, level_max = 31;
    const nearest_entry_table& table = nearest_entries();
    float scales[n_sub];
    float extreme_scale = 0;
    for (int j = 0; j < n_sub; ++j) {
        scales[j] = fit_table_scale(x + j * sub_len, sub_len, table);
        if (std::fabs(scales[j]) > std::fabs(extreme_scale)) extreme_scale = scales[j];
    }
    // Sub-block scales become levels -32..31 of one f16 super-scale. As for the
    // K-quants, a few super-scales are scored by the actual error, and the winner's
    // super-scale is re-fitted by least squares to its levels and codes.
    const auto total_error = [&](uint16_t d_bits, const int levels[n_sub]) {
        const float d = f16_to_f32(d_bits);
        float total = 0;
        for (int j = 0; j < n_sub; ++j) {
            total += table_grid_error(x + j * sub_len, sub_len, d * static_cast<float>(levels[j]), table);
        }
        return total;
    };
    float best_total = HUGE_VALF;
    uint16_t best_d_bits = 0;
    int best_levels[n_sub] = {};
    for (const float level_offset : super_scale_level_offsets) {
        const uint16_t d_bits = f32_to_f16(extreme_scale / (static_cast<float>(level_min) - level_offset));
        const float inverse_d = inverse_or_zero(f16_to_f32(d_bits));
        int levels[n_sub];
        for (int j = 0; j < n_sub; ++j) {
            levels[j] = static_cast<int>(round_code(scales[j] * inverse_d, static_cast<float>(level_min),
                                                    static_cast<float>(level_max)));
        }
        const float total = total_error(d_bits, levels);
        if (total < best_total) {
            best_total = total;
            best_d_bits = d_bits;
            std::copy(levels, levels + n_sub, best_levels);
        }
    }
    // Least squares for x ~ d * (level * entry) with the winner's entries fixed.
    double aa = 0, xa = 0;
    for (int j = 0; j < n_sub; ++j) {
        const float* xs = x + j * sub_len;
        const float scale = f16_to_f32(best_d_bits) * static_cast<float>(best_levels[j]);
        const float inverse = inverse_or_zero(scale);
        float sum_kk = 0, sum_xk = 0;
        for (int i = 0; i < sub_len; ++i) {
            const float k = table.value[bucket_of(xs[i] * inverse)];
            sum_kk += k * k;
            sum_xk += xs[i] * k;
        }
        aa += static_cast<double>(best_levels[j]) * best_levels[j] * sum_kk;
        xa += static_cast<double>(best_levels[j]) * sum_xk;
    }
    if (aa > 0) {
        const uint16_t refit_bits = f32_to_f16(static_cast<float>(xa / aa));
        if (total_error(refit_bits, best_levels) < best_total) best_d_bits = refit_bits;
    }

    block.d = best_d_bits;
    block.scales_h = 0;
    memset(block.scales_l, 0, sizeof block.scales_l);
    const float d = f16_to_f32(best_d_bits);
    for (int j = 0; j < n_sub; ++j) {
        // Levels are stored biased by 32: low nibble in scales_l, top 2 bits in scales_h.
        const int biased = best_levels[j] + 32;
        block.scales_l[j / 2] |= static_cast<uint8_t>((biased & 0x0f) << (4 * (j % 2)));
        block.scales_h |= static_cast<uint16_t>((biased >> 4) << (2 * j));
        uint8_t codes[sub_len];
        table_codes(x + j * sub_len, sub_len, d * static_cast<float>(best_levels[j]), table, codes);
        pack_index_nibbles(codes, block.qs + 16 * j);
    }
}

}  // namespace llava
