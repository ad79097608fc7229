#include "backend/cpu/portable/flash_attention_portable.h"

#include "backend/cpu/portable/portable_elementwise.h"
#include "formats/half.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace llava {
namespace {

// ggml-cpu common.h: GGML_FA_TILE_Q and GGML_FA_TILE_KV.
constexpr int64_t q_tile = 64;
constexpr int64_t kv_tile = 64;

// ggml's SSE2 softmax works on groups of 4 lanes and has no scalar tail when
// the tile width is a multiple of 4.
static_assert(kv_tile % 4 == 0, "softmax lane groups must tile the key tile");

// Per-thread scratch for one query tile, mirroring ggml's per-thread wdata
// buffers (only the parts whose contents can affect the result).
struct tile_scratch {
    std::vector<float> k_f32;  // [kv_tile][head_dim] keys of the current key tile, widened
    std::vector<float> v_f32;  // [kv_tile][head_dim] values; rows past a short tile keep older values
    std::vector<float> kq;     // [q_tile][kv_tile] scores, then probabilities
    std::vector<float> acc;    // [q_tile][head_dim] unnormalised output (ggml's VKQ32)
    float m[q_tile];           // running maximum score per row
    float s[q_tile];           // running probability sum per row
    bool skip[q_tile];
};

// Rows [q0, q0 + rows) of head h. Rows are independent of one another: row i
// of the scalar simd_gemm reads only row i of its left operand, and M, S and
// the skip flag are per row. The only state shared by the tile's rows is the
// value buffer, whose stale rows (see below) depend only on the key count.
void attend_tile(const attention_params& p, const float* q, const uint16_t* k, const uint16_t* v, float* out,
                 int64_t h, int64_t q0, int64_t rows, tile_scratch& t) {
    const int64_t d = p.head_dim;
    const int64_t hkv = h / (p.n_head / p.n_head_kv);

    for (int64_t i = 0; i < rows; ++i) {
        t.m[i] = -INFINITY;
        t.s[i] = 0.0f;
    }
    std::fill(t.acc.begin(), t.acc.end(), 0.0f);
    // ggml zeroes the value buffer once per query tile, not per key tile.
    std::fill(t.v_f32.begin(), t.v_f32.end(), 0.0f);

    for (int64_t c0 = 0; c0 < p.n_keys; c0 += kv_tile) {
        const int64_t kv_n = std::min(kv_tile, p.n_keys - c0);

        // K is widened exactly from f16 (ggml's table / bit conversion).
        for (int64_t tk = 0; tk < kv_n; ++tk) {
            const uint16_t* krow = k + (c0 + tk) * p.kv_stride + hkv * d;
            for (int64_t i = 0; i < d; ++i) {
                t.k_f32[tk * d + i] = f16_to_f32(krow[i]);
            }
        }

        // Scores: scalar simd_gemm adds each product, rounded, onto C, which
        // starts at 0 (memset), in increasing dimension order; then a separate
        // ggml_vec_scale_f32 multiplies by scale. The query is used in f32 (no
        // f16 rounding in this path). Columns past a short tile become -inf.
        for (int64_t tq = 0; tq < rows; ++tq) {
            const float* qrow = q + (q0 + tq) * p.q_stride + h * d;
            float* kq_row = t.kq.data() + tq * kv_tile;
            for (int64_t tk = 0; tk < kv_n; ++tk) {
                const float* krow = t.k_f32.data() + tk * d;
                float sum = 0.0f;
                for (int64_t i = 0; i < d; ++i) {
                    sum += qrow[i] * krow[i];
                }
                kq_row[tk] = sum * p.scale;
            }
            for (int64_t tk = kv_n; tk < kv_tile; ++tk) {
                kq_row[tk] = -INFINITY;
            }
        }

        // Online softmax per row, as the tiled kernel does it.
        for (int64_t tq = 0; tq < rows; ++tq) {
            float* kq_row = t.kq.data() + tq * kv_tile;
            // ggml_vec_max_f32: MAX(a, b) = a > b ? a : b over the whole tile.
            float tile_max = -INFINITY;
            for (int64_t tk = 0; tk < kv_tile; ++tk) {
                tile_max = tile_max > kq_row[tk] ? tile_max : kq_row[tk];
            }
            t.skip[tq] = tile_max == -INFINITY;
            if (t.skip[tq]) {
                continue;
            }
            const float m_old = t.m[tq];
            const float m_new = std::fmax(m_old, tile_max);
            if (m_new > m_old) {
                // Rescale with libm expf (not ggml_v_expf), then float multiplies.
                const float ms = std::exp(m_old - m_new);
                float* acc_row = t.acc.data() + tq * d;
                for (int64_t i = 0; i < d; ++i) {
                    acc_row[i] *= ms;
                }
                t.s[tq] *= ms;
            }
            t.m[tq] = m_new;

            // ggml_vec_soft_max_f32, SSE2 branch without SSE3: exp of
            // (score - max) per lane; each group of 4 is reduced in float as
            // (e0 + e1) + (e2 + e3) and added to a double sum; S (float) then
            // gets that double added in double precision and rounded back.
            double sum = 0.0;
            for (int64_t tk = 0; tk < kv_tile; tk += 4) {
                float e[4];
                for (int lane = 0; lane < 4; ++lane) {
                    e[lane] = exp_portable(kq_row[tk + lane] - m_new);
                    kq_row[tk + lane] = e[lane];
                }
                sum += static_cast<double>(sum4_portable(e));
            }
            t.s[tq] = static_cast<float>(static_cast<double>(t.s[tq]) + sum);
        }

        // V is widened exactly into rows 0..kv_n-1; rows kv_n.. keep whatever
        // the previous key tile (or the per-query-tile zeroing) left, because
        // ggml's product below still runs over all kv_tile rows (with
        // probability 0 there, which can only flip the sign of a zero sum).
        for (int64_t tk = 0; tk < kv_n; ++tk) {
            const uint16_t* vrow = v + (c0 + tk) * p.kv_stride + hkv * d;
            for (int64_t i = 0; i < d; ++i) {
                t.v_f32[tk * d + i] = f16_to_f32(vrow[i]);
            }
        }

        // Scalar simd_gemm VKQ32 += P * V: each output element starts from its
        // current value and adds the rounded products in increasing key order
        // over the whole tile. A skipped row has all-zero probabilities.
        for (int64_t tq = 0; tq < rows; ++tq) {
            float* kq_row = t.kq.data() + tq * kv_tile;
            if (t.skip[tq]) {
                std::fill(kq_row, kq_row + kv_tile, 0.0f);
            }
            float* acc_row = t.acc.data() + tq * d;
            for (int64_t tk = 0; tk < kv_tile; ++tk) {
                const float pk = kq_row[tk];
                const float* vrow = t.v_f32.data() + tk * d;
                for (int64_t i = 0; i < d; ++i) {
                    acc_row[i] += pk * vrow[i];
                }
            }
        }
    }

    // Normalise by multiplying with the float reciprocal of S (0 if S is 0).
    for (int64_t tq = 0; tq < rows; ++tq) {
        const float s_inv = t.s[tq] == 0.0f ? 0.0f : 1.0f / t.s[tq];
        const float* acc_row = t.acc.data() + tq * d;
        float* orow = out + (q0 + tq) * p.out_stride + h * d;
        for (int64_t i = 0; i < d; ++i) {
            orow[i] = acc_row[i] * s_inv;
        }
    }
}

void validate(const attention_params& p) {
    validate_attention_params(p);
    if (p.causal) {
        throw std::invalid_argument("flash_attention_portable: causal attention is not supported");
    }
    if (p.n_queries < q_tile) {
        throw std::invalid_argument("flash_attention_portable: llama.cpp tiles only 64 or more query rows");
    }
}

} // namespace

void flash_attention_portable(thread_pool& pool, const attention_params& p, const float* q, const uint16_t* k,
                              const uint16_t* v, float* out) {
    validate(p);
    // Work units are (head, query tile) pairs. llama.cpp's own chunking can cut
    // tiles elsewhere, which does not change any row's result (see attend_tile).
    const int64_t tiles_per_head = (p.n_queries + q_tile - 1) / q_tile;
    const int64_t n_units = p.n_head * tiles_per_head;
    pool.run([&](int ith, int nth) {
        const auto [u0, u1] = thread_range(n_units, ith, nth);
        if (u0 == u1) {
            return;
        }
        tile_scratch t;
        t.k_f32.resize(kv_tile * p.head_dim);
        t.v_f32.resize(kv_tile * p.head_dim);
        t.kq.resize(q_tile * kv_tile);
        t.acc.resize(q_tile * p.head_dim);
        for (int64_t u = u0; u < u1; ++u) {
            const int64_t h = u / tiles_per_head;
            const int64_t q0 = (u % tiles_per_head) * q_tile;
            attend_tile(p, q, k, v, out, h, q0, std::min(q_tile, p.n_queries - q0), t);
        }
    });
}

} // namespace llava
