#include "model/clip_vision.h"

#include "backend/cpu/attention.h"
#include "backend/cpu/dequantize_cpu.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/arithmetic.h"
#include "backend/cpu/patch_embed.h"
#include "backend/cpu/portable/flash_attention_portable.h"
#include "backend/cpu/portable/portable_elementwise.h"
#include "common/aborted.h"
#include "formats/half.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace llava {

namespace {

void add_bias(float* y, const float* bias, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; ++r) add_in_place(y + r * n, bias, n);
}

// ggml's CPU backend evaluates GELU and quick-GELU by rounding the input to
// f16 and looking the result up in a table of f16 values, one per f16 input,
// each computed in f32 with its tanh / sigmoid formula. llama_cpp mode does
// the same, so activations carry llama.cpp's f16 rounding, not ours.
struct f16_activation_tables {
    std::vector<uint16_t> gelu;       // tanh approximation
    std::vector<uint16_t> quick_gelu; // x·σ(1.702x)
};

const f16_activation_tables& activation_tables() {
    static const f16_activation_tables tables = [] {
        f16_activation_tables t;
        t.gelu.resize(65536);
        t.quick_gelu.resize(65536);
        for (uint32_t h = 0; h < 65536; ++h) {
            const float x = f16_to_f32(static_cast<uint16_t>(h));
            const float inner = 0.79788456080286535588f * x * (1.0f + 0.044715f * x * x);
            t.gelu[h] = f32_to_f16(0.5f * x * (1.0f + std::tanh(inner)));
            t.quick_gelu[h] = f32_to_f16(x * (1.0f / (1.0f + std::exp(-1.702f * x))));
        }
        return t;
    }();
    return tables;
}

void gelu_f16_table_in_place(float* x, int64_t n) {
    const std::vector<uint16_t>& table = activation_tables().gelu;
    for (int64_t i = 0; i < n; ++i) {
        // ggml short-cuts the saturated ends instead of using the table there.
        if (x[i] <= -10.0f) {
            x[i] = 0.0f;
        } else if (x[i] < 10.0f) {
            x[i] = f16_to_f32(table[f32_to_f16(x[i])]);
        }
    }
}

void quick_gelu_f16_table_in_place(float* x, int64_t n) {
    const std::vector<uint16_t>& table = activation_tables().quick_gelu;
    for (int64_t i = 0; i < n; ++i) x[i] = f16_to_f32(table[f32_to_f16(x[i])]);
}

void round_to_f16_in_place(float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] = f16_to_f32(f32_to_f16(x[i]));
}

cpu_arithmetic arithmetic_of(clip_mode mode) {
    switch (mode) {
        case clip_mode::reference: return cpu_arithmetic::reference;
        case clip_mode::llama_cpp: return cpu_arithmetic::llama_cpp;
        case clip_mode::llama_cpp_portable: break;
    }
    return cpu_arithmetic::llama_cpp_portable;
}

} // namespace

std::unique_ptr<clip_vision> clip_vision::load(const std::string& path, int n_threads) {
    std::unique_ptr<gguf_file> file = gguf_file::open(path);
    clip_hparams hparams = clip_hparams::read(*file);
    clip_weights weights = clip_weights::load(*file, hparams);
    return std::unique_ptr<clip_vision>(new clip_vision(std::move(file), std::move(hparams), std::move(weights), n_threads));
}

clip_vision::clip_vision(std::unique_ptr<gguf_file> file, clip_hparams hparams, clip_weights weights, int n_threads)
    : file_(std::move(file)), hparams_(std::move(hparams)), weights_(std::move(weights)), pool_(n_threads) {
    // Position embeddings may be quantized (clip-quantize-cli converts them); patch embedding wants f32 rows.
    const int64_t w = hparams_.width;
    const int64_t n_pos = hparams_.n_patches + 1;
    uint64_t row_size = 0;
    row_bytes(weights_.position_embd.type, static_cast<uint64_t>(w), row_size);
    positions_.resize(static_cast<size_t>(n_pos * w));
    for (int64_t r = 0; r < n_pos; ++r) {
        const auto* row = static_cast<const uint8_t*>(weights_.position_embd.data) + static_cast<uint64_t>(r) * row_size;
        cpu_dequantize_row(weights_.position_embd.type, row, positions_.data() + r * w, w);
    }
}

int64_t clip_vision::blocks_run(clip_mode mode) const {
    const int64_t stored = hparams_.block_count;
    if (mode == clip_mode::reference) return stored;
    // llama.cpp runs n_layer − 1 blocks whatever n_layer is, so a one-block file runs none.
    return stored - 1;
}

void clip_vision::matmul(clip_mode mode, const weight_tensor& w, const float* x, int64_t rows, float* y) {
    // w: ne = [K, N]; y: rows × N. 'reference' keeps the original model's f32
    // activations; the llama.cpp modes convert them to the weight's dot format as llama.cpp does.
    cpu_matmul_in(arithmetic_of(mode), pool_, workspace_, w.type, w.data, w.ne[1], w.ne[0], x, rows, y, w.ne[1]);
}

void clip_vision::norm(clip_mode mode, const weight_tensor& weight, const weight_tensor& bias, const float* x, float* out,
                       int64_t rows) {
    const auto layer_norm_fn = mode == clip_mode::llama_cpp_portable ? layer_norm_portable : layer_norm;
    layer_norm_fn(x, static_cast<const float*>(weight.data), static_cast<const float*>(bias.data), out, rows,
                  hparams_.width, hparams_.layer_norm_eps);
}

void clip_vision::matmul_bias(clip_mode mode, const weight_tensor& w, const weight_tensor& bias, const float* x, int64_t rows,
                              float* y) {
    matmul(mode, w, x, rows, y);
    if (bias.present()) add_bias(y, static_cast<const float*>(bias.data), rows, w.ne[1]);
}

// One pre-norm encoder block over x [n_tokens][width], in place.
void clip_vision::run_block(const clip_block_weights& l, clip_mode mode, float* x, int64_t n_tokens) {
    const clip_hparams& h = hparams_;
    const int64_t w = h.width;
    const auto rows = static_cast<size_t>(n_tokens);
    std::vector<float> a(rows * w);             // normalised sub-layer input [n_tokens][width]
    std::vector<float> q(rows * w), k(rows * w), v(rows * w); // [n_tokens][n_head·head_dim]
    std::vector<float> attn(rows * w);          // attention output [n_tokens][width]
    std::vector<float> ff(rows * h.n_ff);       // FFN hidden [n_tokens][n_ff]

    norm(mode, l.ln1_w, l.ln1_b, x, a.data(), n_tokens);
    matmul_bias(mode, l.wq, l.bq, a.data(), n_tokens, q.data());
    matmul_bias(mode, l.wk, l.bk, a.data(), n_tokens, k.data());
    matmul_bias(mode, l.wv, l.bv, a.data(), n_tokens, v.data());
    if (mode == clip_mode::llama_cpp) {
        // llama.cpp's CPU flash attention (on by default for the vision tower)
        // casts keys and values to f16, then computes in f32.
        round_to_f16_in_place(k.data(), n_tokens * w);
        round_to_f16_in_place(v.data(), n_tokens * w);
    }

    attention_params p{};
    p.n_queries = n_tokens;
    p.n_keys = n_tokens;
    p.n_head = h.n_head;
    p.n_head_kv = h.n_head;
    p.head_dim = h.head_dim;
    p.scale = 1.0f / std::sqrt(static_cast<float>(h.head_dim));
    p.causal = false; // every patch sees every patch and the CLS token
    p.q_stride = w;
    p.kv_stride = w;
    p.out_stride = w;
    if (mode == clip_mode::llama_cpp_portable) {
        std::vector<uint16_t> k16(rows * w), v16(rows * w);
        for (size_t i = 0; i < k16.size(); ++i) {
            k16[i] = f32_to_f16(k[i]);
            v16[i] = f32_to_f16(v[i]);
        }
        flash_attention_portable(pool_, p, q.data(), k16.data(), v16.data(), attn.data());
    } else {
        cpu_attention_f32(pool_, p, q.data(), k.data(), v.data(), attn.data());
    }
    matmul_bias(mode, l.wo, l.bo, attn.data(), n_tokens, a.data());
    add_in_place(x, a.data(), n_tokens * w);

    norm(mode, l.ln2_w, l.ln2_b, x, a.data(), n_tokens);
    matmul_bias(mode, l.fc1, l.fc1_b, a.data(), n_tokens, ff.data());
    if (mode != clip_mode::reference) {
        if (h.use_gelu) {
            gelu_f16_table_in_place(ff.data(), n_tokens * h.n_ff);
        } else {
            quick_gelu_f16_table_in_place(ff.data(), n_tokens * h.n_ff);
        }
    } else if (h.use_gelu) {
        gelu_erf_in_place(ff.data(), n_tokens * h.n_ff);
    } else {
        quick_gelu_in_place(ff.data(), n_tokens * h.n_ff);
    }
    matmul_bias(mode, l.fc2, l.fc2_b, ff.data(), n_tokens, a.data());
    add_in_place(x, a.data(), n_tokens * w);
}

void clip_vision::encode(const float* pixels_chw, clip_mode mode, float* out, float* pre_projector,
                         const std::atomic<bool>* abort) {
    const clip_hparams& h = hparams_;
    const clip_weights& cw = weights_;
    const int64_t w = h.width;
    const int64_t n_tokens = h.n_patches + 1;
    std::vector<float> x(static_cast<size_t>(n_tokens * w)); // residual stream [n_tokens][width]

    // cpu_patch_embed puts CLS first with position row 0 and patch k at 1 + k
    // with row 1 + k. llama.cpp's sequence is [patch 0 … patch n−1, CLS] with
    // rows 0 … n in that order, so for it the rows are handed over rotated
    // (row n first) and the class token is moved to the end afterwards.
    std::vector<float> rotated_positions;
    const float* positions = positions_.data();
    if (mode != clip_mode::reference) {
        rotated_positions.resize(positions_.size());
        std::copy(positions_.end() - w, positions_.end(), rotated_positions.begin());
        std::copy(positions_.begin(), positions_.end() - w, rotated_positions.begin() + w);
        positions = rotated_positions.data();
    }

    throw_if_aborted(abort);
    patch_embed_input in{};
    in.pixels = pixels_chw;
    in.image_size = h.image_size;
    in.patch_size = h.patch_size;
    in.width = w;
    in.kernel_type = cw.patch_embd.type;
    in.kernel = cw.patch_embd.data;
    in.bias = cw.patch_bias.present() ? static_cast<const float*>(cw.patch_bias.data) : nullptr;
    in.class_embd = static_cast<const float*>(cw.class_embd.data);
    in.positions = positions;
    in.arithmetic = arithmetic_of(mode);
    cpu_patch_embed(pool_, workspace_, in, x.data());
    if (mode != clip_mode::reference) std::rotate(x.begin(), x.begin() + w, x.end());
    norm(mode, cw.pre_ln_w, cw.pre_ln_b, x.data(), x.data(), n_tokens);

    const int64_t n_blocks = blocks_run(mode);
    for (int64_t b = 0; b < n_blocks; ++b) {
        throw_if_aborted(abort);
        run_block(cw.blocks[static_cast<size_t>(b)], mode, x.data(), n_tokens);
    }
    throw_if_aborted(abort);
    if (cw.post_ln_w.present()) norm(mode, cw.post_ln_w, cw.post_ln_b, x.data(), x.data(), n_tokens);

    // Rows 1 … n_patches: LLaVA drops the leading CLS; llama.cpp takes the same
    // rows of its own order, i.e. drops patch 0 and keeps CLS as the last row.
    const float* patches = x.data() + w; // [n_patches][width]
    if (pre_projector != nullptr) std::memcpy(pre_projector, patches, static_cast<size_t>(h.n_patches * w) * sizeof(float));

    std::vector<float> hidden(static_cast<size_t>(h.n_patches * cw.mm0.ne[1])); // [n_patches][mm_hidden]
    matmul_bias(mode, cw.mm0, cw.mm0_b, patches, h.n_patches, hidden.data());
    if (mode == clip_mode::reference) {
        gelu_erf_in_place(hidden.data(), static_cast<int64_t>(hidden.size()));
    } else {
        gelu_f16_table_in_place(hidden.data(), static_cast<int64_t>(hidden.size()));
    }
    throw_if_aborted(abort);
    matmul_bias(mode, cw.mm2, cw.mm2_b, hidden.data(), h.n_patches, out);
}

} // namespace llava
