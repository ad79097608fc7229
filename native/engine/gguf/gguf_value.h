// GGUF metadata value types (spec §1.2) and one parsed key-value record.
#pragma once

#include <cstdint>
#include <string_view>

namespace llava {

enum class gguf_value_type : uint32_t {
    uint8 = 0,
    int8 = 1,
    uint16 = 2,
    int16 = 3,
    uint32 = 4,
    int32 = 5,
    float32 = 6,
    boolean = 7,
    string = 8,
    array = 9,
    uint64 = 10,
    int64 = 11,
    float64 = 12,
};

// Bytes of one fixed-size value; 0 for string and array (variable size) and
// for ids GGUF does not define.
uint64_t gguf_fixed_size(uint32_t type_id);
bool gguf_is_known_type(uint32_t type_id);
bool gguf_is_integer(gguf_value_type type);
const char* gguf_value_type_name(gguf_value_type type);

// One metadata record. Values are not copied: `payload_offset` points into the
// file (absolute), so long arrays cost nothing until someone reads them.
struct gguf_kv {
    std::string_view key;
    gguf_value_type type;
    uint64_t record_offset;  // where the record (its key) starts
    uint64_t payload_offset; // scalars: the value; strings: the length prefix; arrays: the first element
    gguf_value_type item_type = gguf_value_type::uint8; // arrays only
    uint64_t item_count = 0;                            // arrays only
};

} // namespace llava
