// A read-only memory map of a whole file. Tensor views point straight into it,
// so a model's weights are paged in by the OS on first touch and never copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace llava {

class mapped_file {
public:
    // Throws gguf_error(io) when the file cannot be opened, is not a regular
    // file, or cannot be mapped.
    explicit mapped_file(const std::string& path);
    ~mapped_file();

    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;

    const uint8_t* data() const { return data_; }
    uint64_t size() const { return size_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    const uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
};

} // namespace llava
