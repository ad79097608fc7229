#include "model/kv_cache.h"

#include <stdexcept>
#include <string>

namespace llava {

kv_cache::kv_cache(int64_t n_layer, int64_t n_ctx, int64_t row_width) : n_ctx_(n_ctx), row_width_(row_width) {
    keys_.resize(static_cast<size_t>(n_layer));
    values_.resize(static_cast<size_t>(n_layer));
    for (int64_t l = 0; l < n_layer; ++l) {
        keys_[static_cast<size_t>(l)].resize(static_cast<size_t>(n_ctx * row_width));
        values_[static_cast<size_t>(l)].resize(static_cast<size_t>(n_ctx * row_width));
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
