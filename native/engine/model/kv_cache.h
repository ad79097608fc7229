// The key/value cache of a decoder: for every layer, one f16 row of
// n_head_kv·head_dim keys and one of values per position, as llama.cpp keeps
// it by default. Positions [0, n_past) hold the current sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace llava {

class kv_cache {
public:
    kv_cache(int64_t n_layer, int64_t n_ctx, int64_t row_width);

    int64_t n_ctx() const { return n_ctx_; }
    int64_t row_width() const { return row_width_; }
    int64_t n_past() const { return n_past_; }

    // Keeps the first n positions (n ≤ n_past): the shared prefix of a new prompt.
    void truncate(int64_t n);
    // Marks n more positions as holding the sequence (after they were written).
    void commit(int64_t n);

    uint16_t* keys(int64_t layer) { return keys_[static_cast<size_t>(layer)].data(); }     // [n_ctx][row_width]
    uint16_t* values(int64_t layer) { return values_[static_cast<size_t>(layer)].data(); } // [n_ctx][row_width]

private:
    int64_t n_ctx_;
    int64_t row_width_;
    int64_t n_past_ = 0;
    std::vector<std::vector<uint16_t>> keys_;
    std::vector<std::vector<uint16_t>> values_;
};

} // namespace llava
