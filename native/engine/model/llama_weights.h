// The tensors of a LLaMA text model (spec §3.2), as zero-copy views into the
// mapped file, every shape checked against the hyper-parameters.
#pragma once

#include "gguf/gguf_file.h"
#include "model/llama_hparams.h"
#include "model/weight_tensor.h"

#include <vector>

namespace llava {

struct llama_layer_weights {
    weight_tensor attn_norm; // [n_embd] F32
    weight_tensor wq;        // [n_embd, n_head·head_dim]
    weight_tensor wk;        // [n_embd, n_head_kv·head_dim]
    weight_tensor wv;        // [n_embd, n_head_kv·head_dim]
    weight_tensor wo;        // [n_head·head_dim, n_embd]
    weight_tensor ffn_norm;  // [n_embd] F32
    weight_tensor ffn_gate;  // [n_embd, n_ff]
    weight_tensor ffn_up;    // [n_embd, n_ff]
    weight_tensor ffn_down;  // [n_ff, n_embd]
};

struct llama_weights {
    weight_tensor token_embd;  // [n_embd, n_vocab], any format (rows are dequantized on lookup)
    weight_tensor output_norm; // [n_embd] F32
    weight_tensor output;      // [n_embd, n_vocab]; token_embd when the file ties them
    std::vector<llama_layer_weights> layers;

    // Throws gguf_error naming the tensor that is missing, misshapen or of a type the kernels do not take.
    static llama_weights load(const gguf_file& file, const llama_hparams& h);
};

} // namespace llava
