// Hyper-parameters of a CLIP vision tower with a LLaVA projector (an "mmproj"
// file, spec §5.2), read from `clip.*` metadata.
#pragma once

#include "gguf/gguf_file.h"

#include <cstdint>
#include <string>

namespace llava {

struct clip_hparams {
    int64_t image_size;       // square input side in pixels (336)
    int64_t patch_size;       // square patch side (14)
    int64_t n_patches;        // (image_size / patch_size)²
    int64_t width;            // ViT embedding width (1024)
    int64_t n_ff;             // ViT FFN width (4096)
    int64_t n_head;
    int64_t head_dim;         // width / n_head
    int64_t block_count;      // encoder blocks stored in the file
    float layer_norm_eps;
    bool use_gelu;            // FFN activation: GELU when true, quick-GELU (CLIP's) when false
    bool has_llava_projector; // legacy converter: the file stores CLIP's layers − 1
    std::string projector_type; // only "mlp" is supported

    // Throws gguf_error: missing keys, a file that is not a CLIP vision
    // encoder, an unsupported projector type (naming the key), and values that
    // cannot describe a model.
    static clip_hparams read(const gguf_file& file);
};

} // namespace llava
