// The key/value cache of a decoder: for every layer, one row of
// n_head_kv·head_dim keys and one of values per position, in f16 (as llama.cpp
// keeps it by default) or in f32 (the original model's arithmetic).
// Positions [0, n_past) hold the current sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace llava {

enum class kv_element { f16, f32 };

class kv_cache {
public:
    kv_cache(int64_t n_layer, int64_t n_ctx, int64_t row_width, kv_element element);

    kv_element element() const { return element_; }

    int64_t n_ctx() const { return n_ctx_; }
    int64_t row_width() const { return row_width_; }
    int64_t n_past() const { return n_past_; }

    // Keeps the first n positions (n ≤ n_past): the shared prefix of a new prompt.
    void truncate(int64_t n);
    // Marks n more positions as holding the sequence (after they were written).
    void commit(int64_t n);

    // [n_ctx][row_width] of the cache's element type (the other accessors return empty storage).
    uint16_t* keys_f16(int64_t layer) { return keys_f16_[static_cast<size_t>(layer)].data(); }
    uint16_t* values_f16(int64_t layer) { return values_f16_[static_cast<size_t>(layer)].data(); }
    float* keys_f32(int64_t layer) { return keys_f32_[static_cast<size_t>(layer)].data(); }
    float* values_f32(int64_t layer) { return values_f32_[static_cast<size_t>(layer)].data(); }

private:
    int64_t n_ctx_;
    int64_t row_width_;
    kv_element element_;
    int64_t n_past_ = 0;
    std::vector<std::vector<uint16_t>> keys_f16_;
    std::vector<std::vector<uint16_t>> values_f16_;
    std::vector<std::vector<float>> keys_f32_;
    std::vector<std::vector<float>> values_f32_;
};

} // namespace llava
