#include "gguf/gguf_error.h"

namespace llava {

const char* gguf_error_code_name(gguf_error_code code) {
    switch (code) {
        case gguf_error_code::io: return "IO";
        case gguf_error_code::bad_magic: return "BAD_MAGIC";
        case gguf_error_code::unsupported_version: return "UNSUPPORTED_VERSION";
        case gguf_error_code::truncated: return "TRUNCATED";
        case gguf_error_code::bad_count: return "BAD_COUNT";
        case gguf_error_code::bad_string: return "BAD_STRING";
        case gguf_error_code::bad_value_type: return "BAD_VALUE_TYPE";
        case gguf_error_code::duplicate_key: return "DUPLICATE_KEY";
        case gguf_error_code::bad_alignment: return "BAD_ALIGNMENT";
        case gguf_error_code::bad_tensor_name: return "BAD_TENSOR_NAME";
        case gguf_error_code::bad_dimensions: return "BAD_DIMENSIONS";
        case gguf_error_code::unknown_tensor_type: return "UNKNOWN_TENSOR_TYPE";
        case gguf_error_code::bad_shape: return "BAD_SHAPE";
        case gguf_error_code::bad_offset: return "BAD_OFFSET";
        case gguf_error_code::tensor_overlap: return "TENSOR_OVERLAP";
        case gguf_error_code::missing_key: return "MISSING_KEY";
        case gguf_error_code::wrong_type: return "WRONG_TYPE";
        case gguf_error_code::not_found: return "NOT_FOUND";
        case gguf_error_code::unsupported_model: return "UNSUPPORTED_MODEL";
        case gguf_error_code::shape_mismatch: return "SHAPE_MISMATCH";
    }
    return "UNKNOWN";
}

} // namespace llava
