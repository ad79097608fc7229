#include "model/clip_weights.h"

#include "backend/cpu/matmul.h"
#include "gguf/gguf_error.h"

#include <string>

namespace llava {

namespace {

[[noreturn]] void reject(const gguf_file& file, const std::string& name, const std::string& why) {
    throw gguf_error(gguf_error_code::unsupported_model, "tensor '" + name + "'", file.require_tensor(name).record_offset,
                     "tensor '" + name + "' " + why);
}

// Matrices go through cpu_matmul; reject formats it cannot multiply at load time, not mid-encode.
weight_tensor multipliable(const gguf_file& file, weight_tensor w) {
    if (!cpu_matmul_supports(w.type)) {
        reject(file, w.name, std::string("has type ") + find_tensor_type(static_cast<uint32_t>(w.type))->name +
                                 ", which this library cannot compute with");
    }
    return w;
}

// A bias or norm vector that may be absent; when present it is read directly as floats.
weight_tensor optional_f32(const gguf_file& file, const std::string& name, int64_t n) {
    weight_tensor w = optional_weight(file, name, {n});
    return w.present() ? require_f32(file, name, {n}) : w;
}

// The legacy converter names CLIP's fc1 `ffn_down` and fc2 `ffn_up`; newer
// files use the usual meaning. Decide by shape: fc1 maps width → n_ff, so its
// ne[0] is the width (spec §5.3).
void load_ffn(const gguf_file& file, const clip_hparams& h, const std::string& b, clip_block_weights& l) {
    const std::string down = b + "ffn_down";
    const std::string up = b + "ffn_up";
    const bool down_is_fc1 = file.require_tensor(down + ".weight").ne[0] == h.width;
    const std::string& fc1 = down_is_fc1 ? down : up;
    const std::string& fc2 = down_is_fc1 ? up : down;
    l.fc1 = multipliable(file, require_weight(file, fc1 + ".weight", {h.width, h.n_ff}));
    l.fc1_b = optional_f32(file, fc1 + ".bias", h.n_ff);
    l.fc2 = multipliable(file, require_weight(file, fc2 + ".weight", {h.n_ff, h.width}));
    l.fc2_b = optional_f32(file, fc2 + ".bias", h.width);
}

} // namespace

clip_weights clip_weights::load(const gguf_file& file, const clip_hparams& h) {
    const int64_t w = h.width;
    clip_weights cw;
    cw.patch_embd = multipliable(file, require_weight(file, "v.patch_embd.weight", {h.patch_size, h.patch_size, 3, w}));
    cw.patch_bias = optional_f32(file, "v.patch_embd.bias", w);
    cw.class_embd = require_f32(file, "v.class_embd", {w});
    cw.position_embd = require_weight(file, "v.position_embd.weight", {w, h.n_patches + 1});
    if (!find_tensor_type(static_cast<uint32_t>(cw.position_embd.type))->can_dequantize) {
        reject(file, cw.position_embd.name, "has a type this library cannot dequantize");
    }
    cw.pre_ln_w = require_f32(file, "v.pre_ln.weight", {w});
    cw.pre_ln_b = require_f32(file, "v.pre_ln.bias", {w});

    cw.blocks.resize(static_cast<size_t>(h.block_count));
    for (int64_t i = 0; i < h.block_count; ++i) {
        const std::string b = "v.blk." + std::to_string(i) + ".";
        clip_block_weights& l = cw.blocks[static_cast<size_t>(i)];
        l.ln1_w = require_f32(file, b + "ln1.weight", {w});
        l.ln1_b = require_f32(file, b + "ln1.bias", {w});
        l.wq = multipliable(file, require_weight(file, b + "attn_q.weight", {w, w}));
        l.bq = optional_f32(file, b + "attn_q.bias", w);
        l.wk = multipliable(file, require_weight(file, b + "attn_k.weight", {w, w}));
        l.bk = optional_f32(file, b + "attn_k.bias", w);
        l.wv = multipliable(file, require_weight(file, b + "attn_v.weight", {w, w}));
        l.bv = optional_f32(file, b + "attn_v.bias", w);
        l.wo = multipliable(file, require_weight(file, b + "attn_out.weight", {w, w}));
        l.bo = optional_f32(file, b + "attn_out.bias", w);
        l.ln2_w = require_f32(file, b + "ln2.weight", {w});
        l.ln2_b = require_f32(file, b + "ln2.bias", {w});
        load_ffn(file, h, b, l);
    }
    cw.post_ln_w = optional_f32(file, "v.post_ln.weight", w);
    cw.post_ln_b = optional_f32(file, "v.post_ln.bias", w);
    if (cw.post_ln_w.present() != cw.post_ln_b.present()) {
        reject(file, cw.post_ln_w.present() ? "v.post_ln.weight" : "v.post_ln.bias", "comes without its partner");
    }

    // The projector's widths come from its own tensors (spec §5.2).
    const gguf_tensor_info& mm0 = file.require_tensor("mm.0.weight");
    const gguf_tensor_info& mm2 = file.require_tensor("mm.2.weight");
    const int64_t mm_hidden = mm0.ne[1];
    const int64_t output_width = mm2.ne[1];
    cw.mm0 = multipliable(file, require_weight(file, "mm.0.weight", {w, mm_hidden}));
    cw.mm0_b = require_f32(file, "mm.0.bias", {mm_hidden});
    cw.mm2 = multipliable(file, require_weight(file, "mm.2.weight", {mm_hidden, output_width}));
    cw.mm2_b = require_f32(file, "mm.2.bias", {output_width});
    return cw;
}

} // namespace llava
