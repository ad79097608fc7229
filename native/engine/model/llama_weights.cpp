#include "model/llama_weights.h"

#include "backend/cpu/matmul.h"
#include "gguf/gguf_error.h"

namespace llava {

namespace {

// Matrices go through cpu_matmul; reject formats it cannot multiply at load time, not mid-generation.
const weight_tensor& multipliable(const gguf_file& file, const weight_tensor& w) {
    if (!cpu_matmul_supports(w.type)) {
        throw gguf_error(gguf_error_code::unsupported_model, "tensor '" + w.name + "'", file.require_tensor(w.name).record_offset,
                         "tensor '" + w.name + "' has type " + find_tensor_type(static_cast<uint32_t>(w.type))->name +
                             ", which this library cannot compute with");
    }
    return w;
}

} // namespace

llama_weights llama_weights::load(const gguf_file& file, const llama_hparams& h) {
    const int64_t q_width = h.n_head * h.head_dim;
    const int64_t kv_width = h.n_head_kv * h.head_dim;
    llama_weights w;
    w.token_embd = require_weight(file, "token_embd.weight", {h.n_embd, h.n_vocab});
    if (!find_tensor_type(static_cast<uint32_t>(w.token_embd.type))->can_dequantize) multipliable(file, w.token_embd);
    w.output_norm = require_f32(file, "output_norm.weight", {h.n_embd});
    w.output = optional_weight(file, "output.weight", {h.n_embd, h.n_vocab});
    if (!w.output.present()) w.output = w.token_embd; // tied embeddings
    multipliable(file, w.output);

    w.layers.resize(static_cast<size_t>(h.n_layer));
    for (int64_t i = 0; i < h.n_layer; ++i) {
        const std::string b = "blk." + std::to_string(i) + ".";
        llama_layer_weights& l = w.layers[static_cast<size_t>(i)];
        l.attn_norm = require_f32(file, b + "attn_norm.weight", {h.n_embd});
        l.wq = multipliable(file, require_weight(file, b + "attn_q.weight", {h.n_embd, q_width}));
        l.wk = multipliable(file, require_weight(file, b + "attn_k.weight", {h.n_embd, kv_width}));
        l.wv = multipliable(file, require_weight(file, b + "attn_v.weight", {h.n_embd, kv_width}));
        l.wo = multipliable(file, require_weight(file, b + "attn_output.weight", {q_width, h.n_embd}));
        l.ffn_norm = require_f32(file, b + "ffn_norm.weight", {h.n_embd});
        l.ffn_gate = multipliable(file, require_weight(file, b + "ffn_gate.weight", {h.n_embd, h.n_ff}));
        l.ffn_up = multipliable(file, require_weight(file, b + "ffn_up.weight", {h.n_embd, h.n_ff}));
        l.ffn_down = multipliable(file, require_weight(file, b + "ffn_down.weight", {h.n_ff, h.n_embd}));
    }
    return w;
}

} // namespace llava
