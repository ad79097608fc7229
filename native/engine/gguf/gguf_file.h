// A parsed GGUF file (spec §1): header, metadata index and tensor table over a
// read-only memory map. Parsing validates every count, length, dimension, type
// id and offset against the file size before anything is dereferenced; after
// construction every tensor's `data` span is known to lie inside the file.
#pragma once

#include "formats/tensor_type.h"
#include "gguf/gguf_value.h"
#include "gguf/mapped_file.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llava {

constexpr uint32_t gguf_max_dims = 4;
constexpr uint64_t gguf_max_tensor_name = 63; // ggml keeps names in a 64-byte field with a terminator
constexpr uint32_t gguf_default_alignment = 32;

struct gguf_tensor_info {
    std::string_view name;
    tensor_type type;
    uint32_t n_dims;
    int64_t ne[gguf_max_dims]; // ne[0] is contiguous; missing trailing dims are 1
    uint64_t offset;           // relative to the data section
    uint64_t n_bytes;
    uint64_t record_offset; // where the tensor-info record starts (for error messages)
    const uint8_t* data;    // zero-copy view into the mapping

    int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
};

class gguf_file {
public:
    // Maps and parses `path`. Throws gguf_error.
    static std::unique_ptr<gguf_file> open(const std::string& path);
    // Parses bytes owned by the caller (which must outlive the object); used by
    // fuzzing and tests. `name` stands in for the path in messages.
    static std::unique_ptr<gguf_file> from_memory(const uint8_t* data, uint64_t size, std::string name);

    const std::string& path() const { return path_; }
    uint32_t version() const { return version_; }
    uint32_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }
    uint64_t file_size() const { return size_; }

    const std::vector<gguf_kv>& metadata() const { return kvs_; }
    const gguf_kv* find(std::string_view key) const;

    const std::vector<gguf_tensor_info>& tensors() const { return tensors_; }
    const gguf_tensor_info* find_tensor(std::string_view name) const;
    const gguf_tensor_info& require_tensor(std::string_view name) const;

    // Typed scalar access. `require_*` throw gguf_error(missing_key / wrong_type);
    // the `*_or` forms return the fallback when the key is absent (but still
    // throw wrong_type when it is present with an unusable type).
    uint64_t require_uint(std::string_view key) const;
    uint64_t uint_or(std::string_view key, uint64_t fallback) const;
    double require_float(std::string_view key) const;
    double float_or(std::string_view key, double fallback) const;
    bool bool_or(std::string_view key, bool fallback) const;
    std::string_view require_string(std::string_view key) const;
    std::string_view string_or(std::string_view key, std::string_view fallback) const;

    // Values of a kv, read on demand. Scalars of any integer width / float width
    // are widened; `kv` must belong to this file.
    int64_t read_int(const gguf_kv& kv) const;   // integer scalar (uint64 above INT64_MAX throws wrong_type)
    uint64_t read_uint64_bits(const gguf_kv& kv) const; // raw 64-bit payload of uint64/int64
    double read_float(const gguf_kv& kv) const;  // float32/float64 scalar
    bool read_bool(const gguf_kv& kv) const;
    std::string_view read_string(const gguf_kv& kv) const;
    // Array elements: numeric items are contiguous little-endian values starting
    // at `array_items(kv)`; string items must be walked.
    const uint8_t* array_items(const gguf_kv& kv) const;
    std::vector<std::string_view> read_string_array(const gguf_kv& kv, uint64_t start, uint64_t count) const;

private:
    gguf_file(std::unique_ptr<mapped_file> map, const uint8_t* data, uint64_t size, std::string path);
    void parse();
    void parse_metadata(class byte_cursor& cursor, uint64_t kv_count);
    void parse_tensor_infos(class byte_cursor& cursor, uint64_t tensor_count);
    void place_tensors();
    const gguf_kv& require_kv(std::string_view key) const;
    [[noreturn]] void wrong_type(const gguf_kv& kv, const char* wanted) const;

    std::unique_ptr<mapped_file> map_;
    const uint8_t* bytes_;
    uint64_t size_;
    std::string path_;

    uint32_t version_ = 0;
    uint32_t alignment_ = gguf_default_alignment;
    uint64_t data_offset_ = 0;
    std::vector<gguf_kv> kvs_;
    std::unordered_map<std::string_view, size_t> kv_index_;
    std::vector<gguf_tensor_info> tensors_;
    std::unordered_map<std::string_view, size_t> tensor_index_;
};

} // namespace llava
