// Errors raised while reading a GGUF file. Every failure names what was being
// read (`field`) and the absolute byte offset where the problem sits, so the
// binding can turn it into a typed GgufError without losing that context.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace llava {

enum class gguf_error_code {
    io,                  // the file could not be opened, sized or mapped
    bad_magic,           // the first four bytes are not "GGUF"
    unsupported_version, // version 1, big-endian files, or a version from the future
    truncated,           // a read would run past the end of the file
    bad_count,           // a tensor, key-value or array count cannot fit in the file
    bad_string,          // a string length runs past the end of the file
    bad_value_type,      // unknown metadata value type, or an array of arrays
    duplicate_key,       // the same metadata key appears twice
    bad_alignment,       // general.alignment is not a non-zero power of two (or not an integer)
    bad_tensor_name,     // a tensor name is too long, or appears twice
    bad_dimensions,      // n_dims above 4, a negative or overflowing dimension or byte size
    unknown_tensor_type, // a tensor type id that ggml does not define (or retired)
    bad_shape,           // ne[0] is not a multiple of the type's block size
    bad_offset,          // a tensor offset is not aligned, or its data leaves the file
    tensor_overlap,      // two tensors claim the same bytes
    missing_key,         // a key the caller required is absent
    wrong_type,          // a key holds a value of another type than the caller required
    not_found,           // a tensor the caller asked for is absent
    unsupported_model,   // a well-formed file describing a model this library does not run
    shape_mismatch,      // a tensor's shape or type disagrees with the model's hyper-parameters
};

// Stable spelling used by the JavaScript side (GgufError.code).
const char* gguf_error_code_name(gguf_error_code code);

class gguf_error : public std::runtime_error {
public:
    gguf_error(gguf_error_code code, std::string field, uint64_t offset, const std::string& message)
        : std::runtime_error(message), code_(code), field_(std::move(field)), offset_(offset) {}

    gguf_error_code code() const { return code_; }
    const std::string& field() const { return field_; }
    uint64_t offset() const { return offset_; }

private:
    gguf_error_code code_;
    std::string field_;
    uint64_t offset_;
};

} // namespace llava
