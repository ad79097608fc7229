#include "model/kv_cache.h"

#include <stdexcept>
#include <string>

namespace llava {

kv_cache::kv_cache(int64_t n_layer, int64_t n_ctx, int64_t row_width, kv_element element)
    : n_ctx_(n_ctx), row_width_(row_width), element_(element) {
    const auto layers = static_cast<size_t>(n_layer);
    const auto size = static_cast<size_t>(n_ctx * row_width);
    keys_f16_.resize(layers);
    values_f16_.resize(layers);
    keys_f32_.resize(layers);
    values_f32_.resize(layers);
    for (size_t l = 0; l < layers; ++l) {
        if (element == kv_element::f16) {
            keys_f16_[l].resize(size);
            values_f16_[l].resize(size);
        } else {
            keys_f32_[l].resize(size);
            values_f32_[l].resize(size);
        }
    }
}

void kv_cache::truncate(int64_t n) {
    if (n < 0 || n > n_past_) {
        throw std::invalid_argument("cannot truncate the KV cache to " + std::to_string(n) + " positions (it holds " +
                                    std::to_string(n_past_) + ")");
    }
    n_past_ = n;
}

void kv_cache::commit(int64_t n) { n_past_ += n; }

} // namespace llava
