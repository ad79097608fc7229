// A counter-based stream of normally distributed floats: value i depends only
// on (seed, i), so synthetic tensors are reproducible however they are chunked
// or split across threads.
#pragma once

#include <cstdint>

namespace llava {

void fill_random_normal(float* dst, uint64_t count, uint64_t seed, uint64_t first_index, float stddev);

} // namespace llava
