#include "backend/cpu/portable/portable_attention.h"

#include "backend/cpu/portable/portable_elementwise.h"
#include "formats/half.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace llava {

void cpu_attention_f16_portable(thread_pool& pool, const attention_params& p, const float* q, const uint16_t* k,
                                const uint16_t* v, float* out) {
    validate_attention_params(p);
    const int64_t hd = p.head_dim;
    const int64_t n_rep = p.n_head / p.n_head_kv;
    const int64_t rows = p.n_queries * p.n_head;
    pool.run([&](int ith, int nth) {
        std::vector<float> qh(static_cast<size_t>(hd)), s(static_cast<size_t>(p.n_keys + 4));
        const auto [r0, r1] = thread_range(rows, ith, nth);
        for (int64_t r = r0; r < r1; ++r) {
            const int64_t m = r / p.n_head;
            const int64_t h = r % p.n_head;
            const int64_t g = h / n_rep;
            float* o = out + m * p.out_stride + h * hd;
            const int64_t end = p.causal ? std::clamp(p.n_keys - p.n_queries + m + 1, int64_t{0}, p.n_keys) : p.n_keys;
            if (end == 0) {
                std::fill(o, o + hd, 0.0f);
                continue;
            }
            for (int64_t d = 0; d < hd; ++d) qh[static_cast<size_t>(d)] = f16_to_f32(f32_to_f16(q[m * p.q_stride + h * hd + d]));
            float max = -std::numeric_limits<float>::infinity();
            for (int64_t j = 0; j < end; ++j) {
                const uint16_t* kj = k + j * p.kv_stride + g * hd;
                double dot = 0.0;
                for (int64_t d = 0; d < hd; ++d) dot += static_cast<double>(f16_to_f32(kj[d]) * qh[static_cast<size_t>(d)]);
                s[static_cast<size_t>(j)] = static_cast<float>(dot) * p.scale;
                max = std::max(max, s[static_cast<size_t>(j)]);
            }
            // Keys past `end` are masked in llama.cpp's row (e^-inf = 0): zeros in the last chunk.
            double sum = 0.0;
            for (int64_t j = 0; j < end; j += 4) {
                float chunk[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                for (int64_t t = 0; t < 4 && j + t < end; ++t) {
                    chunk[t] = exp_portable(s[static_cast<size_t>(j + t)] - max);
                    s[static_cast<size_t>(j + t)] = chunk[t];
                }
                sum += static_cast<double>(sum4_portable(chunk));
            }
            const auto norm = static_cast<float>(1.0 / sum);
            for (int64_t j = 0; j < end; ++j) s[static_cast<size_t>(j)] = f16_to_f32(f32_to_f16(s[static_cast<size_t>(j)] * norm));
            for (int64_t d = 0; d < hd; ++d) {
                double acc = 0.0;
                for (int64_t j = 0; j < end; ++j) {
                    acc += static_cast<double>(f16_to_f32(v[j * p.kv_stride + g * hd + d]) * s[static_cast<size_t>(j)]);
                }
                o[d] = static_cast<float>(acc);
            }
        }
    });
}

} // namespace llava
