// Fused attention on the CPU: the tiling, threading and online-softmax driver,
// and the portable scalar block kernels (the AVX2 ones are in
// avx2/attention_avx2.cpp).
//
// Work is split into tasks of (kv head g, query tile). A tile holds the rows of
// every query head that reads kv head g, for a run of consecutive query
// positions, so each key/value row brought into cache serves all of them:
//
//   tile row r  →  position m = m0 + r / n_rep,  query head h = g·n_rep + r % n_rep
//
// A task walks the keys its tile can see in blocks of block_keys, keeping for
// each row a running max m_r, running sum l_r and an unnormalised f32
// accumulator acc_r:
//
//   s_rj = scale · q_r·k_j          (scores kernel, then scale_max)
//   m'   = max(m_r, max_j s_rj)
//   acc_r ← acc_r · e^(m_r − m') + Σ_j e^(s_rj − m') v_j
//   l_r   ← l_r   · e^(m_r − m') + Σ_j e^(s_rj − m')
//
// and finally writes acc_r / l_r. Decoding (one position) therefore streams
// each K/V row once; prefill reuses it across the whole tile.
//
// The f16 variant (the decoder's KV cache) follows llama.cpp's numerics one
// step further: llama.cpp multiplies the f16 values by softmax probabilities
// that it first rounds to f16, and that rounding moves logits by ~1e-3 (on
// stories260K: 2.5e-3 max |Δ| without it, 4e-6 with it). Rounded probabilities
// need the final max and sum, so this variant keeps each tile row's scores
// over all its keys (rows × keys floats, not the score matrix of the whole
// call): keys are streamed once for the scores, then values once for the sum.
#include "backend/cpu/attention.h"

#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/cpu_features.h"
#include "formats/half.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace llava {

namespace {

// Keys per block: the scores of a block for the whole tile stay in L1
// (32 rows × 64 keys × 4 B = 8 KiB) next to the tile's queries and accumulators.
constexpr int64_t block_keys = 64;
// Query rows per tile to aim for: enough to amortise each K/V row over many
// dot products, few enough that q, acc and the block scores stay cache resident.
constexpr int64_t tile_rows_target = 32;

// ---------------------------------------------------------------------------
// Scalar kernels. Plain loops, used on CPUs without AVX2/FMA/F16C and as the
// reference the AVX2 kernels are tested against.

inline float to_f32(float x) { return x; }
inline float to_f32(uint16_t h) { return f16_to_f32(h); }

// Keys and values are widened to f32 a chunk at a time, once per key, and the
// chunk is then used by every row of the tile.
constexpr int64_t scalar_chunk = 64;

template <typename T>
void scores_scalar(const float* q, int64_t ldq, int64_t n_rows, const T* k, int64_t kv_stride, int64_t n_keys,
                   int64_t head_dim, float* s, int64_t lds) {
    float kf[scalar_chunk];
    for (int64_t j = 0; j < n_keys; ++j) {
        const T* kj = k + j * kv_stride;
        for (int64_t r = 0; r < n_rows; ++r) s[r * lds + j] = 0.0f;
        for (int64_t d0 = 0; d0 < head_dim; d0 += scalar_chunk) {
            const int64_t n = std::min(scalar_chunk, head_dim - d0);
            for (int64_t d = 0; d < n; ++d) kf[d] = to_f32(kj[d0 + d]);
            for (int64_t r = 0; r < n_rows; ++r) {
                const float* qr = q + r * ldq + d0;
                float dot = 0.0f;
                for (int64_t d = 0; d < n; ++d) dot += qr[d] * kf[d];
                s[r * lds + j] += dot;
            }
        }
    }
}

template <typename T>
void accumulate_scalar(const float* p, int64_t ldp, int64_t n_rows, const T* v, int64_t kv_stride, int64_t n_keys,
                       int64_t head_dim, float* acc, int64_t ldacc) {
    float vf[scalar_chunk];
    for (int64_t j = 0; j < n_keys; ++j) {
        const T* vj = v + j * kv_stride;
        for (int64_t d0 = 0; d0 < head_dim; d0 += scalar_chunk) {
            const int64_t n = std::min(scalar_chunk, head_dim - d0);
            for (int64_t d = 0; d < n; ++d) vf[d] = to_f32(vj[d0 + d]);
            for (int64_t r = 0; r < n_rows; ++r) {
                const float pj = p[r * ldp + j];
                float* ar = acc + r * ldacc + d0;
                for (int64_t d = 0; d < n; ++d) ar[d] += pj * vf[d];
            }
        }
    }
}

float scale_max_scalar(float* s, int64_t n, float scale) {
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n; ++j) {
        s[j] *= scale;
        max = std::max(max, s[j]);
    }
    return max;
}

float exp_sum_scalar(float* s, int64_t n, float shift) {
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
        s[j] = std::exp(s[j] - shift);
        sum += s[j];
    }
    return sum;
}

// ---------------------------------------------------------------------------
// Driver.

const attention_kernels& kernels_for(attention_kernel kernel) {
    if (!attention_kernel_available(kernel)) {
        throw std::invalid_argument(kernel == attention_kernel::avx512
                                        ? "attention: the requested kernel set needs AVX-512 F/DQ/BW/VL, AVX2, FMA and F16C"
                                        : "attention: the requested kernel set needs AVX2, FMA and F16C");
    }
    return kernel == attention_kernel::scalar ? attention_kernels_scalar() : attention_kernels_avx2();
}

attention_kernel best_kernel() {
    if (attention_kernel_available(attention_kernel::avx512)) return attention_kernel::avx512;
    return attention_kernel_available(attention_kernel::avx2) ? attention_kernel::avx2 : attention_kernel::scalar;
}

// Per-thread scratch, reused across calls (the pool's threads are persistent).
struct tile_scratch {
    std::vector<float> q;      // [rows][ld]
    std::vector<float> acc;    // [rows][ld]
    std::vector<float> s;      // [rows][block_keys]
    std::vector<float> max;    // [rows] running max m_r
    std::vector<float> sum;    // [rows] running sum l_r
    std::vector<int64_t> end;  // [rows] keys visible to the row: 0..end-1
    std::vector<float> rows;   // [rows][tile keys] scores, then probabilities (rounded-softmax variant)
};

// Prologue shared by both tile kernels: gathers the tile's queries (rounded
// to f16 when the keys are f16, as llama.cpp does before its f16 dot
// products), clears the accumulators and works out how many keys each row
// sees. Returns the number of keys any row of the tile sees.
int64_t gather_tile(const attention_params& p, bool round_q, const float* q, int64_t g, int64_t m0, int64_t n_rows,
                    int64_t ld, tile_scratch& ws) {
    const int64_t n_rep = p.n_head / p.n_head_kv;
    const int64_t hd = p.head_dim;
    ws.q.assign(static_cast<size_t>(n_rows * ld), 0.0f);
    ws.acc.assign(static_cast<size_t>(n_rows * ld), 0.0f);
    ws.end.resize(static_cast<size_t>(n_rows));
    int64_t tile_end = 0;
    for (int64_t r = 0; r < n_rows; ++r) {
        const int64_t m = m0 + r / n_rep;
        const int64_t h = g * n_rep + r % n_rep;
        const float* src = q + m * p.q_stride + h * hd;
        float* dst = ws.q.data() + r * ld;
        for (int64_t d = 0; d < hd; ++d) dst[d] = round_q ? f16_to_f32(f32_to_f16(src[d])) : src[d];
        // Causal: position n_keys - n_queries + m sees keys up to and including itself.
        const int64_t end = p.causal ? std::clamp(p.n_keys - p.n_queries + m + 1, int64_t{0}, p.n_keys) : p.n_keys;
        ws.end[static_cast<size_t>(r)] = end;
        tile_end = std::max(tile_end, end);
    }
    return tile_end;
}

// Epilogue shared by both tile kernels: out row = acc row · inv[r].
void write_tile(const attention_params& p, float* out, int64_t g, int64_t m0, int64_t n_rows, int64_t ld,
                const tile_scratch& ws, const std::vector<float>& inv) {
    const int64_t n_rep = p.n_head / p.n_head_kv;
    for (int64_t r = 0; r < n_rows; ++r) {
        const int64_t m = m0 + r / n_rep;
        const int64_t h = g * n_rep + r % n_rep;
        const float* acc_r = ws.acc.data() + r * ld;
        float* dst = out + m * p.out_stride + h * p.head_dim;
        for (int64_t d = 0; d < p.head_dim; ++d) dst[d] = acc_r[d] * inv[static_cast<size_t>(r)];
    }
}

// One task with online softmax (f32 keys/values): kv head g, tile positions m0..m0+n_pos-1.
void attention_tile_online(const attention_params& p, const attention_kernels& kern, const float* q, const float* k,
                           const float* v, float* out, int64_t g, int64_t m0, int64_t n_pos, tile_scratch& ws) {
    const int64_t n_rep = p.n_head / p.n_head_kv;
    const int64_t hd = p.head_dim;
    const int64_t ld = (hd + 7) / 8 * 8;  // room for whole 8-lane vectors
    const int64_t n_rows = n_pos * n_rep;
    const attention_scores_fn<float> scores = kern.scores_f32;
    const attention_accumulate_fn<float> accumulate = kern.accumulate_f32;

    const int64_t tile_end = gather_tile(p, false, q, g, m0, n_rows, ld, ws);
    ws.s.resize(static_cast<size_t>(n_rows * block_keys));
    ws.max.assign(static_cast<size_t>(n_rows), -std::numeric_limits<float>::infinity());
    ws.sum.assign(static_cast<size_t>(n_rows), 0.0f);
    const float* k_head = k + g * hd;
    const float* v_head = v + g * hd;

    // Main loop: one block of keys at a time, only up to the last key the tile sees.
    for (int64_t kb = 0; kb < tile_end; kb += block_keys) {
        const int64_t nb = std::min(block_keys, tile_end - kb);
        float* s = ws.s.data();
        scores(ws.q.data(), ld, n_rows, k_head + kb * p.kv_stride, p.kv_stride, nb, hd, s, block_keys);

        // Online softmax per row; the block's scores become probabilities
        // relative to the row's new running max, and masked keys get 0.
        for (int64_t r = 0; r < n_rows; ++r) {
            float* sr = s + r * block_keys;
            const int64_t n_valid = std::clamp(ws.end[static_cast<size_t>(r)] - kb, int64_t{0}, nb);
            std::fill(sr + n_valid, sr + nb, 0.0f);
            if (n_valid == 0) continue;
            const float old_max = ws.max[static_cast<size_t>(r)];
            const float new_max = std::max(old_max, kern.scale_max(sr, n_valid, p.scale));
            const float block_sum = kern.exp_sum(sr, n_valid, new_max);
            // e^(-inf) = 0 on the first block, where acc and l are still 0.
            const float rescale = std::exp(old_max - new_max);
            if (rescale != 1.0f) {
                float* acc_r = ws.acc.data() + r * ld;
                for (int64_t d = 0; d < hd; ++d) acc_r[d] *= rescale;
            }
            ws.sum[static_cast<size_t>(r)] = ws.sum[static_cast<size_t>(r)] * rescale + block_sum;
            ws.max[static_cast<size_t>(r)] = new_max;
        }
        accumulate(s, block_keys, n_rows, v_head + kb * p.kv_stride, p.kv_stride, nb, hd, ws.acc.data(), ld);
    }

    // Epilogue: normalise. A row that sees no key (only possible when a causal
    // call has fewer keys than queries) gets zeros rather than 0/0.
    std::vector<float>& inv = ws.max; // reused: the running maxima are no longer needed
    for (int64_t r = 0; r < n_rows; ++r) {
        const float l = ws.sum[static_cast<size_t>(r)];
        inv[static_cast<size_t>(r)] = l > 0.0f ? 1.0f / l : 0.0f;
    }
    write_tile(p, out, g, m0, n_rows, ld, ws, inv);
}

// One task with llama.cpp's rounded softmax (f16 keys/values): scores over
// every key the tile sees, an exact softmax per row whose probabilities are
// rounded to f16, then one pass over the values.
void attention_tile_rounded(const attention_params& p, const attention_kernels& kern,
                            const rounded_attention_kernels* exact, const float* q, const uint16_t* k,
                            const uint16_t* v, float* out, int64_t g, int64_t m0, int64_t n_pos, tile_scratch& ws) {
    const int64_t n_rep = p.n_head / p.n_head_kv;
    const int64_t hd = p.head_dim;
    const int64_t ld = (hd + 7) / 8 * 8;
    const int64_t n_rows = n_pos * n_rep;
    const int64_t tile_end = gather_tile(p, true, q, g, m0, n_rows, ld, ws);
    const int64_t lds = std::max<int64_t>(tile_end, 1);
    ws.rows.resize(static_cast<size_t>(n_rows * lds));
    const uint16_t* k_head = k + g * hd;
    const uint16_t* v_head = v + g * hd;

    if (exact != nullptr) {
        // llama.cpp's batch shape decides its summation order: one position or several.
        const bool single_position = p.n_queries == 1;
        exact->scores(ws.q.data(), ld, n_rows, k_head, p.kv_stride, tile_end, hd, ws.rows.data(), lds, single_position);
        for (int64_t r = 0; r < n_rows; ++r) {
            float* sr = ws.rows.data() + r * lds;
            const int64_t n_valid = ws.end[static_cast<size_t>(r)];
            std::fill(sr + n_valid, sr + tile_end, 0.0f);
            if (n_valid > 0) exact->softmax(sr, n_valid, p.scale);
        }
        exact->weighted_sum(ws.rows.data(), lds, n_rows, v_head, p.kv_stride, tile_end, hd, ws.acc.data(), ld,
                            single_position);
        ws.sum.assign(static_cast<size_t>(n_rows), 1.0f);
        write_tile(p, out, g, m0, n_rows, ld, ws, ws.sum);
        return;
    }

    // Scores: keys streamed once, in blocks, for the whole tile.  s: [n_rows][lds]
    for (int64_t kb = 0; kb < tile_end; kb += block_keys) {
        const int64_t nb = std::min(block_keys, tile_end - kb);
        kern.scores_f16(ws.q.data(), ld, n_rows, k_head + kb * p.kv_stride, p.kv_stride, nb, hd, ws.rows.data() + kb, lds);
    }

    // Softmax per row over its visible keys, as llama.cpp's soft_max: scale,
    // subtract the max, exponentiate, normalise by 1/Σ (taken in double); then
    // round to f16, as its f16 value product does. Masked keys get 0.
    for (int64_t r = 0; r < n_rows; ++r) {
        float* sr = ws.rows.data() + r * lds;
        const int64_t n_valid = ws.end[static_cast<size_t>(r)];
        std::fill(sr + n_valid, sr + tile_end, 0.0f);
        if (n_valid == 0) continue;
        const float max = kern.scale_max(sr, n_valid, p.scale);
        double sum = 0.0;
        for (int64_t j = 0; j < n_valid; ++j) {
            sr[j] = std::exp(sr[j] - max);
            sum += sr[j];
        }
        const auto norm = static_cast<float>(1.0 / sum);
        for (int64_t j = 0; j < n_valid; ++j) sr[j] = f16_to_f32(f32_to_f16(sr[j] * norm));
    }

    // Values streamed once, in blocks: acc += p · v.
    for (int64_t kb = 0; kb < tile_end; kb += block_keys) {
        const int64_t nb = std::min(block_keys, tile_end - kb);
        kern.accumulate_f16(ws.rows.data() + kb, lds, n_rows, v_head + kb * p.kv_stride, p.kv_stride, nb, hd,
                            ws.acc.data(), ld);
    }
    std::vector<float>& ones = ws.sum;
    ones.assign(static_cast<size_t>(n_rows), 1.0f);
    write_tile(p, out, g, m0, n_rows, ld, ws, ones);
}

template <typename T>
void run_attention(thread_pool& pool, const attention_params& p, attention_kernel kernel, const float* q, const T* k,
                   const T* v, float* out) {
    validate_attention_params(p);
    const attention_kernels& kern = kernels_for(kernel);
    const rounded_attention_kernels* exact = kernel == attention_kernel::avx512 ? &rounded_attention_kernels_avx512()
                                             : kernel == attention_kernel::avx2   ? &rounded_attention_kernels_avx2()
                                                                                  : nullptr;
    if (p.n_queries == 0) return;

    // Tiling depends only on the shapes, never on the thread count, so the
    // result is the same for any pool.
    const int64_t n_rep = p.n_head / p.n_head_kv;
    const int64_t tile_pos = std::clamp(tile_rows_target / n_rep, int64_t{1}, p.n_queries);
    const int64_t n_tiles = (p.n_queries + tile_pos - 1) / tile_pos;
    const int64_t n_tasks = n_tiles * p.n_head_kv;

    // Tasks are handed out dynamically. Under a causal mask later tiles see
    // more keys, so they go first and the cheap early tiles fill the gaps.
    std::atomic<int64_t> next_task{0};
    pool.run([&](int, int) {
        thread_local tile_scratch ws;
        for (int64_t t = next_task.fetch_add(1); t < n_tasks; t = next_task.fetch_add(1)) {
            const int64_t tile = n_tiles - 1 - t / p.n_head_kv;
            const int64_t g = t % p.n_head_kv;
            const int64_t m0 = tile * tile_pos;
            const int64_t n_pos = std::min(tile_pos, p.n_queries - m0);
            if constexpr (std::is_same_v<T, uint16_t>) {
                attention_tile_rounded(p, kern, exact, q, k, v, out, g, m0, n_pos, ws);
            } else {
                attention_tile_online(p, kern, q, k, v, out, g, m0, n_pos, ws);
            }
        }
    });
}

} // namespace

void validate_attention_params(const attention_params& p) {
    if (p.n_queries < 0 || p.n_keys < 0 || p.n_head < 1 || p.n_head_kv < 1 || p.head_dim < 1) {
        throw std::invalid_argument("attention: negative counts, or no heads, or head_dim < 1");
    }
    if (p.n_head % p.n_head_kv != 0) {
        throw std::invalid_argument("attention: n_head must be a multiple of n_head_kv");
    }
    if (p.q_stride < p.n_head * p.head_dim || p.out_stride < p.n_head * p.head_dim ||
        p.kv_stride < p.n_head_kv * p.head_dim) {
        throw std::invalid_argument("attention: a row stride is shorter than its row");
    }
}

const attention_kernels& attention_kernels_scalar() {
    static const attention_kernels kernels = {scores_scalar<uint16_t>, scores_scalar<float>,
                                              accumulate_scalar<uint16_t>, accumulate_scalar<float>,
                                              scale_max_scalar, exp_sum_scalar};
    return kernels;
}

bool attention_kernel_available(attention_kernel kernel) {
    if (kernel == attention_kernel::scalar) return true;
    const cpu_features& f = host_cpu_features();
    const bool avx2 = f.avx2 && f.fma && f.f16c;
    if (kernel == attention_kernel::avx2) return avx2;
    return avx2 && f.avx512f && f.avx512dq && f.avx512bw && f.avx512vl;
}

void cpu_attention_f16(thread_pool& pool, const attention_params& p, attention_kernel kernel, const float* q,
                       const uint16_t* k, const uint16_t* v, float* out) {
    run_attention(pool, p, kernel, q, k, v, out);
}

void cpu_attention_f32(thread_pool& pool, const attention_params& p, attention_kernel kernel, const float* q,
                       const float* k, const float* v, float* out) {
    run_attention(pool, p, kernel, q, k, v, out);
}

void cpu_attention_f16(thread_pool& pool, const attention_params& p, const float* q, const uint16_t* k,
                       const uint16_t* v, float* out) {
    run_attention(pool, p, best_kernel(), q, k, v, out);
}

void cpu_attention_f32(thread_pool& pool, const attention_params& p, const float* q, const float* k, const float* v,
                       float* out) {
    run_attention(pool, p, best_kernel(), q, k, v, out);
}

} // namespace llava
