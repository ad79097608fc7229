// Bounds-checked little-endian reads over a byte span. Every read checks the
// remaining length first, so a damaged file can only ever produce a
// gguf_error, never a read past the end of the mapping.
#pragma once

#include "gguf/gguf_error.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace llava {

class byte_cursor {
public:
    byte_cursor(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}

    uint64_t position() const { return pos_; }
    uint64_t remaining() const { return size_ - pos_; }

    template <typename T>
    T read(const std::string& field) {
        static_assert(std::is_trivially_copyable_v<T>, "plain values only");
        require(sizeof(T), field);
        T value;
        std::memcpy(&value, data_ + pos_, sizeof(T)); // GGUF is little-endian, as is every supported host
        pos_ += sizeof(T);
        return value;
    }

    // A GGUF string: u64 byte length, then the bytes (no terminator).
    std::string_view read_string(const std::string& field) {
        const uint64_t at = pos_;
        const uint64_t length = read<uint64_t>(field + " length");
        if (length > remaining()) {
            throw gguf_error(gguf_error_code::bad_string, field, at,
                             field + ": string length " + std::to_string(length) + " runs past the end of the file (" +
                                 std::to_string(remaining()) + " bytes left)");
        }
        std::string_view text(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(length));
        pos_ += length;
        return text;
    }

    void skip(uint64_t n, const std::string& field) {
        require(n, field);
        pos_ += n;
    }

private:
    void require(uint64_t n, const std::string& field) const {
        if (n > remaining()) {
            throw gguf_error(gguf_error_code::truncated, field, pos_,
                             field + ": needs " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) +
                                 " but the file ends at " + std::to_string(size_));
        }
    }

    const uint8_t* data_;
    uint64_t size_;
    uint64_t pos_ = 0;
};

} // namespace llava
