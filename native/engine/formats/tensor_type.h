// The ggml tensor element types that can appear in a GGUF file, with their block
// geometry. Ids are ggml's on-disk ids; retired ids (4, 5, 31-33, 36-38) have no
// enumerator and are rejected by find_tensor_type.
#pragma once

#include <cstdint>
#include <string_view>

namespace llava {

enum class tensor_type : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
};

struct tensor_type_traits {
    tensor_type type;
    const char* name;      // ggml's spelling: "Q4_K", "IQ4_XS", "BF16", ...
    uint32_t block_size;   // elements per block (1 for scalar types)
    uint32_t type_size;    // bytes per block
    bool can_dequantize;   // dequantize_row supports it
    bool can_quantize;     // quantize_row supports it
};

// Traits of the type with ggml id `id`, or nullptr for unknown and retired ids.
const tensor_type_traits* find_tensor_type(uint32_t id);

// Looks a type up by its ggml name (exact, case-sensitive). Returns false if unknown.
bool find_type_by_name(std::string_view name, tensor_type& out);

// Bytes taken by `n_elements` consecutive elements of `type`. Returns false when
// n_elements is not a whole number of blocks or the byte count overflows uint64_t.
bool row_bytes(tensor_type type, uint64_t n_elements, uint64_t& out);

}  // namespace llava
