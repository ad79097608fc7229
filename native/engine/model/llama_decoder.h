// The LLaMA forward pass over a KV cache (spec §3.3), in data-flow order:
// embedding → per layer [RMSNorm → Q/K/V → RoPE → cache → attention → output
// projection → residual → RMSNorm → SwiGLU FFN → residual] → RMSNorm → logits.
//
// Input rows are token ids or ready-made embeddings (projected image
// features); either way they take the next positions of the sequence. Rows are
// processed in chunks (matrix × matrix for a prompt, matrix × vector for one
// token), on the decoder's thread pool.
#pragma once

#include "backend/cpu/matmul.h"
#include "backend/cpu/thread_pool.h"
#include "backend/cpu/arithmetic.h"
#include "model/kv_cache.h"
#include "model/llama_model.h"

#include <atomic>
#include <cstdint>
#include <vector>

namespace llava {

// How the forward pass does its arithmetic (backend/cpu/arithmetic.h):
//  llama_cpp:          what llama.cpp's AVX2/AVX-512 CPU builds compute, bit for
//                      bit (activations in each weight's dot format, f16 KV cache,
//                      its attention) — fast;
//  llama_cpp_portable: what its portable x86-64 build computes — scalar, slow;
//  reference:          f32 activations against weights dequantized to f32, f32 KV
//                      cache — the original model's arithmetic; slower.
using decoder_numerics = cpu_arithmetic;

class llama_decoder {
public:
    llama_decoder(const llama_model& model, int64_t n_ctx, int n_threads, decoder_numerics numerics);

    const llama_model& model() const { return model_; }
    kv_cache& cache() { return cache_; }

    // Appends n rows at positions n_past … n_past + n − 1 and writes logits:
    // for every row (n × n_vocab) when all_logits, else for the last row only.
    // All-or-nothing: when it throws (including `aborted`, polled between
    // kernels), the cache keeps the positions it had before the call.
    void decode_tokens(const int32_t* tokens, int64_t n, bool all_logits, float* logits, const std::atomic<bool>* abort);
    void decode_embeddings(const float* rows, int64_t n, bool all_logits, float* logits, const std::atomic<bool>* abort);

private:
    template <typename FillRows>
    void decode(int64_t n, bool all_logits, float* logits, const std::atomic<bool>* abort, FillRows fill_rows);
    void forward_chunk(int64_t n, int64_t pos0, float* logits, bool all_logits, const std::atomic<bool>* abort);
    void matmul(const weight_tensor& w, const float* x, int64_t rows, float* y);
    // Throws std::invalid_argument naming the first weight matrix the portable numerics cannot multiply.
    static void require_portable_weights(const llama_weights& w);

    const llama_model& model_;
    const decoder_numerics numerics_;
    kv_cache cache_;
    thread_pool pool_;
    matmul_workspace workspace_;

    // Activations of one chunk; shapes [chunk rows × width].
    std::vector<float> x_;      // residual stream [n_embd]
    std::vector<float> h_;      // normalised input of a sub-layer [n_embd]
    std::vector<float> q_;      // queries [n_head·head_dim]
    std::vector<float> k_;      // keys [n_head_kv·head_dim]
    std::vector<float> v_;      // values [n_head_kv·head_dim]
    std::vector<float> attn_;   // attention output [n_head·head_dim]
    std::vector<float> gate_;   // FFN gate, then silu(gate)·up [n_ff]
    std::vector<float> up_;     // FFN up [n_ff]
    std::vector<int32_t> positions_;
};

} // namespace llava
