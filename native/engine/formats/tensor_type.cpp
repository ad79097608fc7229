#include "formats/tensor_type.h"

#include <limits>

namespace llava {
namespace {

// Block geometry follows ggml's type table. Dequantization and quantization support
// is limited to the types LLaVA GGUF files use in practice.
constexpr tensor_type_traits all_types[] = {
    // type                 name       block bytes  dequant quant
    {tensor_type::F32,     "F32",     1,   4,   true,  true},
    {tensor_type::F16,     "F16",     1,   2,   true,  true},
    {tensor_type::Q4_0,    "Q4_0",    32,  18,  true,  true},
    {tensor_type::Q4_1,    "Q4_1",    32,  20,  true,  true},
    {tensor_type::Q5_0,    "Q5_0",    32,  22,  true,  true},
    {tensor_type::Q5_1,    "Q5_1",    32,  24,  true,  true},
    {tensor_type::Q8_0,    "Q8_0",    32,  34,  true,  true},
    {tensor_type::Q8_1,    "Q8_1",    32,  36,  false, false},
    {tensor_type::Q2_K,    "Q2_K",    256, 84,  true,  true},
    {tensor_type::Q3_K,    "Q3_K",    256, 110, true,  true},
    {tensor_type::Q4_K,    "Q4_K",    256, 144, true,  true},
    {tensor_type::Q5_K,    "Q5_K",    256, 176, true,  true},
    {tensor_type::Q6_K,    "Q6_K",    256, 210, true,  true},
    {tensor_type::Q8_K,    "Q8_K",    256, 292, false, false},
    {tensor_type::IQ2_XXS, "IQ2_XXS", 256, 66,  false, false},
    {tensor_type::IQ2_XS,  "IQ2_XS",  256, 74,  false, false},
    {tensor_type::IQ3_XXS, "IQ3_XXS", 256, 98,  false, false},
    {tensor_type::IQ1_S,   "IQ1_S",   256, 50,  false, false},
    {tensor_type::IQ4_NL,  "IQ4_NL",  32,  18,  true,  true},
    {tensor_type::IQ3_S,   "IQ3_S",   256, 110, false, false},
    {tensor_type::IQ2_S,   "IQ2_S",   256, 82,  false, false},
    {tensor_type::IQ4_XS,  "IQ4_XS",  256, 136, true,  true},
    {tensor_type::I8,      "I8",      1,   1,   false, false},
    {tensor_type::I16,     "I16",     1,   2,   false, false},
    {tensor_type::I32,     "I32",     1,   4,   false, false},
    {tensor_type::I64,     "I64",     1,   8,   false, false},
    {tensor_type::F64,     "F64",     1,   8,   false, false},
    {tensor_type::IQ1_M,   "IQ1_M",   256, 56,  false, false},
    {tensor_type::BF16,    "BF16",    1,   2,   true,  true},
    {tensor_type::TQ1_0,   "TQ1_0",   256, 54,  false, false},
    {tensor_type::TQ2_0,   "TQ2_0",   256, 66,  false, false},
    {tensor_type::MXFP4,   "MXFP4",   32,  17,  false, false},
};

}  // namespace

const tensor_type_traits* find_tensor_type(uint32_t id) {
    for (const tensor_type_traits& traits : all_types) {
        if (static_cast<uint32_t>(traits.type) == id) {
            return &traits;
        }
    }
    return nullptr;
}

bool find_type_by_name(std::string_view name, tensor_type& out) {
    for (const tensor_type_traits& traits : all_types) {
        if (name == traits.name) {
            out = traits.type;
            return true;
        }
    }
    return false;
}

bool row_bytes(tensor_type type, uint64_t n_elements, uint64_t& out) {
    const tensor_type_traits* traits = find_tensor_type(static_cast<uint32_t>(type));
    if (traits == nullptr || n_elements % traits->block_size != 0) {
        return false;
    }
    const uint64_t n_blocks = n_elements / traits->block_size;
    if (n_blocks > std::numeric_limits<uint64_t>::max() / traits->type_size) {
        return false;
    }
    out = n_blocks * traits->type_size;
    return true;
}

}  // namespace llava
