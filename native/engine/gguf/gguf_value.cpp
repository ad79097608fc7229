#include "gguf/gguf_value.h"

namespace llava {

uint64_t gguf_fixed_size(uint32_t type_id) {
    switch (static_cast<gguf_value_type>(type_id)) {
        case gguf_value_type::uint8:
        case gguf_value_type::int8:
        case gguf_value_type::boolean: return 1;
        case gguf_value_type::uint16:
        case gguf_value_type::int16: return 2;
        case gguf_value_type::uint32:
        case gguf_value_type::int32:
        case gguf_value_type::float32: return 4;
        case gguf_value_type::uint64:
        case gguf_value_type::int64:
        case gguf_value_type::float64: return 8;
        case gguf_value_type::string:
        case gguf_value_type::array: return 0;
    }
    return 0;
}

bool gguf_is_known_type(uint32_t type_id) { return type_id <= static_cast<uint32_t>(gguf_value_type::float64); }

bool gguf_is_integer(gguf_value_type type) {
    switch (type) {
        case gguf_value_type::uint8:
        case gguf_value_type::int8:
        case gguf_value_type::uint16:
        case gguf_value_type::int16:
        case gguf_value_type::uint32:
        case gguf_value_type::int32:
        case gguf_value_type::uint64:
        case gguf_value_type::int64: return true;
        default: return false;
    }
}

const char* gguf_value_type_name(gguf_value_type type) {
    switch (type) {
        case gguf_value_type::uint8: return "UINT8";
        case gguf_value_type::int8: return "INT8";
        case gguf_value_type::uint16: return "UINT16";
        case gguf_value_type::int16: return "INT16";
        case gguf_value_type::uint32: return "UINT32";
        case gguf_value_type::int32: return "INT32";
        case gguf_value_type::float32: return "FLOAT32";
        case gguf_value_type::boolean: return "BOOL";
        case gguf_value_type::string: return "STRING";
        case gguf_value_type::array: return "ARRAY";
        case gguf_value_type::uint64: return "UINT64";
        case gguf_value_type::int64: return "INT64";
        case gguf_value_type::float64: return "FLOAT64";
    }
    return "UNKNOWN";
}

} // namespace llava
