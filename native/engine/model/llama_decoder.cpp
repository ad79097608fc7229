#include "model/llama_decoder.h"

#include "backend/cpu/attention.h"
#include "backend/cpu/dequantize_cpu.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/portable/portable_attention.h"
#include "backend/cpu/portable/portable_elementwise.h"
#include "common/aborted.h"
#include "formats/half.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace llava {

namespace {

// Rows per forward chunk. Large enough that each weight block is reused across
// many rows in prefill; small enough that one kernel (the abort polling unit)
// stays in the tens of milliseconds on a 7B model.
constexpr int64_t chunk_rows = 64;

} // namespace

llama_decoder::llama_decoder(const llama_model& model, int64_t n_ctx, int n_threads, decoder_numerics numerics)
    : model_(model),
      numerics_(numerics),
      cache_(model.hparams().n_layer, n_ctx, model.hparams().n_head_kv * model.hparams().head_dim,
             numerics == decoder_numerics::reference ? kv_element::f32 : kv_element::f16),
      pool_(n_threads) {
    const llama_hparams& h = model.hparams();
    const auto rows = static_cast<size_t>(chunk_rows);
    x_.resize(rows * h.n_embd);
    h_.resize(rows * h.n_embd);
    q_.resize(rows * h.n_head * h.head_dim);
    k_.resize(rows * cache_.row_width());
    v_.resize(rows * cache_.row_width());
    attn_.resize(rows * h.n_head * h.head_dim);
    gate_.resize(rows * h.n_ff);
    up_.resize(rows * h.n_ff);
    positions_.resize(rows);
    if (numerics == decoder_numerics::llama_cpp_portable) require_portable_weights(model.weights());
}

void llama_decoder::require_portable_weights(const llama_weights& w) {
    auto require = [](const weight_tensor& t) {
        if (!cpu_matmul_portable_supports(t.type)) {
            const tensor_type_traits* traits = find_tensor_type(static_cast<uint32_t>(t.type));
            throw std::invalid_argument("the 'llama.cpp-portable' numerics take F32, F16, Q8_0, Q4_K and Q6_K weights; " +
                                        t.name + " is " + (traits != nullptr ? traits->name : "another type"));
        }
    };
    require(w.output);
    for (const llama_layer_weights& l : w.layers) {
        for (const weight_tensor* t : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) require(*t);
    }
}

void llama_decoder::matmul(const weight_tensor& w, const float* x, int64_t rows, float* y) {
    // w: ne = [K, N]; y: rows × N.
    cpu_matmul_in(numerics_, pool_, workspace_, w.type, w.data, w.ne[1], w.ne[0], x, rows, y, w.ne[1]);
}

void llama_decoder::decode_tokens(const int32_t* tokens, int64_t n, bool all_logits, float* logits,
                                  const std::atomic<bool>* abort) {
    const llama_hparams& h = model_.hparams();
    for (int64_t i = 0; i < n; ++i) {
        if (tokens[i] < 0 || tokens[i] >= h.n_vocab) {
            throw std::invalid_argument("token id " + std::to_string(tokens[i]) + " is outside the vocabulary (0 … " +
                                        std::to_string(h.n_vocab - 1) + ")");
        }
    }
    const weight_tensor& embd = model_.weights().token_embd;
    uint64_t row_size = 0;
    row_bytes(embd.type, static_cast<uint64_t>(h.n_embd), row_size);
    decode(n, all_logits, logits, abort, [&](int64_t first, int64_t count, float* out) {
        for (int64_t r = 0; r < count; ++r) {
            const auto* row = static_cast<const uint8_t*>(embd.data) + static_cast<uint64_t>(tokens[first + r]) * row_size;
            cpu_dequantize_row(embd.type, row, out + r * h.n_embd, h.n_embd);
        }
    });
}

void llama_decoder::decode_embeddings(const float* rows, int64_t n, bool all_logits, float* logits,
                                      const std::atomic<bool>* abort) {
    const int64_t width = model_.hparams().n_embd;
    decode(n, all_logits, logits, abort, [&](int64_t first, int64_t count, float* out) {
        std::memcpy(out, rows + first * width, static_cast<size_t>(count * width) * sizeof(float));
    });
}

template <typename FillRows>
void llama_decoder::decode(int64_t n, bool all_logits, float* logits, const std::atomic<bool>* abort, FillRows fill_rows) {
    if (n <= 0) throw std::invalid_argument("nothing to decode");
    const int64_t start = cache_.n_past();
    if (start + n > cache_.n_ctx()) {
        throw std::length_error("the sequence would need " + std::to_string(start + n) + " positions; the context holds " +
                                std::to_string(cache_.n_ctx()));
    }
    const int64_t n_vocab = model_.hparams().n_vocab;
    try {
        for (int64_t first = 0; first < n;) {
            int64_t count = std::min(chunk_rows, n - first);
            // Never leave a lone last row: llama.cpp sums attention in another
            // order for a one-position batch than for a longer one, and a
            // prompt is one batch to it.
            if (n - first - count == 1) --count;
            fill_rows(first, count, x_.data());
            const bool last_chunk = first + count == n;
            float* chunk_logits = all_logits ? logits + first * n_vocab : (last_chunk ? logits : nullptr);
            forward_chunk(count, cache_.n_past(), chunk_logits, all_logits, abort);
            cache_.commit(count);
            first += count;
        }
    } catch (...) {
        cache_.truncate(start);
        throw;
    }
}

void llama_decoder::forward_chunk(int64_t n, int64_t pos0, float* logits, bool all_logits, const std::atomic<bool>* abort) {
    const llama_hparams& hp = model_.hparams();
    const llama_weights& w = model_.weights();
    const int64_t d = hp.n_embd;
    const int64_t q_width = hp.n_head * hp.head_dim;
    const int64_t kv_width = cache_.row_width();
    for (int64_t r = 0; r < n; ++r) positions_[static_cast<size_t>(r)] = static_cast<int32_t>(pos0 + r);

    const bool portable = numerics_ == decoder_numerics::llama_cpp_portable;
    attention_params attention{};
    attention.n_queries = n;
    attention.n_keys = pos0 + n;
    attention.n_head = hp.n_head;
    attention.n_head_kv = hp.n_head_kv;
    attention.head_dim = hp.head_dim;
    attention.scale = 1.0f / std::sqrt(static_cast<float>(hp.head_dim));
    attention.causal = true;
    attention.q_stride = q_width;
    attention.kv_stride = kv_width;
    attention.out_stride = q_width;

    for (int64_t layer = 0; layer < hp.n_layer; ++layer) {
        const llama_layer_weights& l = w.layers[static_cast<size_t>(layer)];
        throw_if_aborted(abort);

        // Attention block.
        rms_norm(x_.data(), static_cast<const float*>(l.attn_norm.data), h_.data(), n, d, hp.rms_eps);
        matmul(l.wq, h_.data(), n, q_.data());
        matmul(l.wk, h_.data(), n, k_.data());
        matmul(l.wv, h_.data(), n, v_.data());
        const rope_rounding rounding = portable ? rope_rounding::separate : rope_rounding::fused;
        rope_adjacent(q_.data(), n, q_width, hp.n_head, hp.head_dim, hp.n_rot, positions_.data(), hp.rope_freq_base,
                      hp.rope_freq_scale, rounding);
        rope_adjacent(k_.data(), n, kv_width, hp.n_head_kv, hp.head_dim, hp.n_rot, positions_.data(), hp.rope_freq_base,
                      hp.rope_freq_scale, rounding);
        throw_if_aborted(abort);
        if (cache_.element() == kv_element::f16) {
            uint16_t* keys = cache_.keys_f16(layer) + pos0 * kv_width;
            uint16_t* values = cache_.values_f16(layer) + pos0 * kv_width;
            for (int64_t i = 0; i < n * kv_width; ++i) {
                keys[i] = f32_to_f16(k_[static_cast<size_t>(i)]);
                values[i] = f32_to_f16(v_[static_cast<size_t>(i)]);
            }
            if (portable) {
                cpu_attention_f16_portable(pool_, attention, q_.data(), cache_.keys_f16(layer), cache_.values_f16(layer),
                                           attn_.data());
            } else {
                cpu_attention_f16(pool_, attention, q_.data(), cache_.keys_f16(layer), cache_.values_f16(layer), attn_.data());
            }
        } else {
            std::copy(k_.begin(), k_.begin() + n * kv_width, cache_.keys_f32(layer) + pos0 * kv_width);
            std::copy(v_.begin(), v_.begin() + n * kv_width, cache_.values_f32(layer) + pos0 * kv_width);
            cpu_attention_f32(pool_, attention, q_.data(), cache_.keys_f32(layer), cache_.values_f32(layer), attn_.data());
        }
        throw_if_aborted(abort);
        matmul(l.wo, attn_.data(), n, h_.data());
        add_in_place(x_.data(), h_.data(), n * d);

        // Feed-forward block (SwiGLU).
        throw_if_aborted(abort);
        rms_norm(x_.data(), static_cast<const float*>(l.ffn_norm.data), h_.data(), n, d, hp.rms_eps);
        matmul(l.ffn_gate, h_.data(), n, gate_.data());
        throw_if_aborted(abort);
        matmul(l.ffn_up, h_.data(), n, up_.data());
        (portable ? silu_mul_portable : silu_mul)(gate_.data(), up_.data(), gate_.data(), n * hp.n_ff);
        throw_if_aborted(abort);
        matmul(l.ffn_down, gate_.data(), n, h_.data());
        add_in_place(x_.data(), h_.data(), n * d);
    }
    if (logits == nullptr) return;

    // Output head: every row, or only the last one.
    throw_if_aborted(abort);
    const int64_t first = all_logits ? 0 : n - 1;
    const int64_t rows = n - first;
    rms_norm(x_.data() + first * d, static_cast<const float*>(w.output_norm.data), h_.data(), rows, d, hp.rms_eps);
    matmul(w.output, h_.data(), rows, logits);
}

} // namespace llava
