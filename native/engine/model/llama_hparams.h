// Hyper-parameters of a LLaMA-family text model (spec §3.1), read from
// `<arch>.*` metadata with llama.cpp's defaults for absent keys.
#pragma once

#include "gguf/gguf_file.h"

#include <cstdint>
#include <string>

namespace llava {

struct llama_hparams {
    std::string architecture; // general.architecture ("llama")
    int64_t n_vocab;          // rows of token_embd
    int64_t n_embd;           // d_model
    int64_t n_layer;
    int64_t n_head;
    int64_t n_head_kv;        // < n_head: grouped-query attention
    int64_t head_dim;         // n_embd / n_head
    int64_t n_rot;            // rotated dimensions per head
    int64_t n_ff;
    int64_t n_ctx_train;
    float rope_freq_base;     // default 10000
    float rope_freq_scale;    // 1 / linear scaling factor
    float rms_eps;

    // Throws gguf_error: missing keys, an unsupported architecture or rope
    // scaling type, and values that cannot describe a model (zero heads, a
    // width not divisible by the head count, ...).
    static llama_hparams read(const gguf_file& file);
};

} // namespace llava
