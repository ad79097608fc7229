#include "model/clip_hparams.h"

#include "gguf/gguf_error.h"

namespace llava {

namespace {

[[noreturn]] void unusable(const std::string& key, const std::string& why) {
    throw gguf_error(gguf_error_code::unsupported_model, key, 0, key + ": " + why);
}

} // namespace

clip_hparams clip_hparams::read(const gguf_file& file) {
    const std::string architecture(file.require_string("general.architecture"));
    if (architecture != "clip") {
        unusable("general.architecture", "'" + architecture + "' is not a vision projector file (expected 'clip')");
    }
    if (!file.bool_or("clip.has_vision_encoder", true)) unusable("clip.has_vision_encoder", "the file has no vision encoder");

    clip_hparams h;
    h.projector_type = std::string(file.string_or("clip.projector_type", "mlp"));
    if (h.projector_type != "mlp") {
        unusable("clip.projector_type", "projector '" + h.projector_type + "' is not supported (only 'mlp')");
    }
    // llama.cpp switches an unlabelled file to 'mlp_norm' (Yi-VL) when this tensor exists.
    if (file.find_tensor("mm.3.weight") != nullptr) {
        unusable("clip.projector_type", "tensor 'mm.3.weight' marks an 'mlp_norm' projector, which is not supported");
    }
    h.has_llava_projector = file.bool_or("clip.has_llava_projector", false);
    h.use_gelu = file.bool_or("clip.use_gelu", false);

    const std::string p = "clip.vision.";
    h.image_size = static_cast<int64_t>(file.require_uint(p + "image_size"));
    h.patch_size = static_cast<int64_t>(file.require_uint(p + "patch_size"));
    h.width = static_cast<int64_t>(file.require_uint(p + "embedding_length"));
    h.n_ff = static_cast<int64_t>(file.require_uint(p + "feed_forward_length"));
    h.n_head = static_cast<int64_t>(file.require_uint(p + "attention.head_count"));
    h.block_count = static_cast<int64_t>(file.require_uint(p + "block_count"));
    h.layer_norm_eps = static_cast<float>(file.require_float(p + "attention.layer_norm_epsilon"));

    if (h.image_size <= 0 || h.patch_size <= 0 || h.width <= 0 || h.n_ff <= 0 || h.n_head <= 0 || h.block_count <= 0) {
        unusable(p + "*", "sizes, head and block counts must be positive");
    }
    if (h.image_size % h.patch_size != 0) unusable(p + "image_size", "not a multiple of the patch size");
    if (h.width % h.n_head != 0) unusable(p + "embedding_length", "not divisible by the head count");
    const int64_t grid = h.image_size / h.patch_size;
    h.n_patches = grid * grid;
    h.head_dim = h.width / h.n_head;
    return h;
}

} // namespace llava
