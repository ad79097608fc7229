// The tensors of a CLIP vision tower and its LLaVA `mlp` projector (spec §5.3),
// as zero-copy views into the mapped file, every shape checked against the
// hyper-parameters. Norm weights, biases and the class embedding are F32;
// matrices may be in any format cpu_matmul takes.
#pragma once

#include "gguf/gguf_file.h"
#include "model/clip_hparams.h"
#include "model/weight_tensor.h"

#include <vector>

namespace llava {

struct clip_block_weights {
    weight_tensor ln1_w, ln1_b;   // [width]
    weight_tensor wq, wk, wv;     // [width, width]
    weight_tensor bq, bk, bv;     // [width], optional
    weight_tensor wo;             // [width, width]
    weight_tensor bo;             // [width], optional
    weight_tensor ln2_w, ln2_b;   // [width]
    weight_tensor fc1;            // [width, n_ff], applied first (legacy files name it ffn_down)
    weight_tensor fc1_b;          // [n_ff], optional
    weight_tensor fc2;            // [n_ff, width]
    weight_tensor fc2_b;          // [width], optional
};

struct clip_weights {
    weight_tensor patch_embd;     // [p, p, 3, width]: per output channel 3·p·p weights in (c, ky, kx) order
    weight_tensor patch_bias;     // [width], optional (CLIP's conv has none)
    weight_tensor class_embd;     // [width]
    weight_tensor position_embd;  // [width, n_patches + 1], any dequantizable format
    weight_tensor pre_ln_w, pre_ln_b; // [width]
    std::vector<clip_block_weights> blocks;
    weight_tensor post_ln_w, post_ln_b; // [width], optional (absent from LLaVA files)
    weight_tensor mm0;            // [width, mm_hidden]
    weight_tensor mm0_b;          // [mm_hidden]
    weight_tensor mm2;            // [mm_hidden, output_width]
    weight_tensor mm2_b;          // [output_width]

    int64_t output_width() const { return mm2.ne[1]; }

    // Throws gguf_error naming the tensor that is missing, misshapen or of a type the kernels do not take.
    static clip_weights load(const gguf_file& file, const clip_hparams& h);
};

} // namespace llava
