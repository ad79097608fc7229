#include "model/llama_hparams.h"

#include "gguf/gguf_error.h"

namespace llava {

namespace {

[[noreturn]] void unusable(const std::string& key, const std::string& why) {
    throw gguf_error(gguf_error_code::unsupported_model, key, 0, key + ": " + why);
}

} // namespace

llama_hparams llama_hparams::read(const gguf_file& file) {
    llama_hparams h;
    h.architecture = std::string(file.require_string("general.architecture"));
    if (h.architecture != "llama") {
        unusable("general.architecture", "'" + h.architecture + "' is not a supported text model (expected 'llama')");
    }
    const std::string p = h.architecture + ".";
    h.n_embd = static_cast<int64_t>(file.require_uint(p + "embedding_length"));
    h.n_layer = static_cast<int64_t>(file.require_uint(p + "block_count"));
    h.n_ff = static_cast<int64_t>(file.require_uint(p + "feed_forward_length"));
    h.n_head = static_cast<int64_t>(file.require_uint(p + "attention.head_count"));
    h.n_head_kv = static_cast<int64_t>(file.uint_or(p + "attention.head_count_kv", static_cast<uint64_t>(h.n_head)));
    h.n_ctx_train = static_cast<int64_t>(file.uint_or(p + "context_length", 4096));
    h.rms_eps = static_cast<float>(file.require_float(p + "attention.layer_norm_rms_epsilon"));
    h.rope_freq_base = static_cast<float>(file.float_or(p + "rope.freq_base", 10000.0));

    const std::string scaling = std::string(file.string_or(p + "rope.scaling.type", "linear"));
    if (scaling != "linear" && scaling != "none") unusable(p + "rope.scaling.type", "'" + scaling + "' RoPE scaling is not supported");
    double factor = file.float_or(p + "rope.scaling.factor", 0.0);
    if (factor == 0.0) factor = file.float_or(p + "rope.scale_linear", 0.0);
    h.rope_freq_scale = scaling == "none" || factor == 0.0 ? 1.0f : static_cast<float>(1.0 / factor);

    if (h.n_embd <= 0 || h.n_layer <= 0 || h.n_ff <= 0 || h.n_head <= 0 || h.n_head_kv <= 0) {
        unusable(p + "*", "widths, layer and head counts must be positive");
    }
    if (h.n_embd % h.n_head != 0) unusable(p + "embedding_length", "not divisible by the head count");
    if (h.n_head % h.n_head_kv != 0) unusable(p + "attention.head_count_kv", "does not divide the head count");
    h.head_dim = h.n_embd / h.n_head;
    h.n_rot = static_cast<int64_t>(file.uint_or(p + "rope.dimension_count", static_cast<uint64_t>(h.head_dim)));
    if (h.n_rot != h.head_dim) unusable(p + "rope.dimension_count", "must equal the head dimension for llama");

    const gguf_tensor_info& embd = file.require_tensor("token_embd.weight");
    h.n_vocab = embd.ne[1];
    if (h.n_vocab <= 0) unusable("token_embd.weight", "empty vocabulary");
    return h;
}

} // namespace llava
