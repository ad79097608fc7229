// Opens GGUF files with the engine's reader and touches everything a valid
// file offers, so that a sanitizer build sees every read the reader allows.
//
// Usage: gguf_open_files <file.gguf>...
//
// For each file: gguf_file::open; if that succeeds, read every metadata value
// (all items of every array) and dequantize every tensor whose type can be
// dequantized. Names each file before touching it (so a sanitizer report
// follows the name of the file that caused it), then prints how many files
// opened and how many were rejected with each gguf_error code. Exits non-zero if any exception other than a
// gguf_error escapes open, if a rejection names an offset past the end of the
// file, or if anything fails once a file has opened.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/cpu/dequantize_cpu.h"
#include "formats/tensor_type.h"
#include "gguf/gguf_error.h"
#include "gguf/gguf_file.h"

namespace {

using namespace llava;

void read_value(const gguf_file& file, const gguf_kv& kv) {
    switch (kv.type) {
        case gguf_value_type::uint64:
        case gguf_value_type::int64: file.read_uint64_bits(kv); return;
        case gguf_value_type::float32:
        case gguf_value_type::float64: file.read_float(kv); return;
        case gguf_value_type::boolean: file.read_bool(kv); return;
        case gguf_value_type::string: file.read_string(kv); return;
        case gguf_value_type::array: {
            if (kv.item_type == gguf_value_type::string) {
                file.read_string_array(kv, 0, kv.item_count);
                return;
            }
            // Copying the items makes the sanitizer check every byte of them.
            const uint64_t n_bytes = kv.item_count * gguf_fixed_size(static_cast<uint32_t>(kv.item_type));
            std::vector<uint8_t> copy(n_bytes);
            if (n_bytes != 0) std::memcpy(copy.data(), file.array_items(kv), n_bytes);
            return;
        }
        default: file.read_int(kv); return;
    }
}

void dequantize_all(const gguf_file& file) {
    std::vector<float> values;
    for (const gguf_tensor_info& tensor : file.tensors()) {
        if (!find_tensor_type(static_cast<uint32_t>(tensor.type))->can_dequantize) continue;
        // An empty tensor has nothing to convert, and its empty vector has no buffer to pass as dst.
        if (tensor.n_elements() == 0) continue;
        values.assign(static_cast<size_t>(tensor.n_elements()), 0.0f);
        cpu_dequantize_row(tensor.type, tensor.data, values.data(), tensor.n_elements()); // as the addon does
    }
}

} // namespace

int main(int argc, char** argv) {
    std::map<std::string, int> rejected;
    int opened = 0;
    int problems = 0;

    for (int i = 1; i < argc; ++i) {
        const std::string path = argv[i];
        std::printf("%s\n", path.c_str());
        std::fflush(stdout);
        std::unique_ptr<gguf_file> file;
        try {
            file = gguf_file::open(path);
        } catch (const gguf_error& e) {
            ++rejected[gguf_error_code_name(e.code())];
            std::error_code size_error;
            const uint64_t size = std::filesystem::file_size(path, size_error);
            if (!size_error && e.offset() > size) {
                std::printf("PROBLEM %s: error offset %llu is past the end of the file (%llu bytes): %s\n", path.c_str(),
                            static_cast<unsigned long long>(e.offset()), static_cast<unsigned long long>(size), e.what());
                ++problems;
            }
            continue;
        } catch (const std::exception& e) {
            std::printf("PROBLEM %s: open threw a non-gguf_error exception: %s\n", path.c_str(), e.what());
            ++problems;
            continue;
        }

        try {
            for (const gguf_kv& kv : file->metadata()) read_value(*file, kv);
            dequantize_all(*file);
            ++opened;
        } catch (const std::exception& e) {
            std::printf("PROBLEM %s: opened, then failed to read: %s\n", path.c_str(), e.what());
            ++problems;
        }
    }

    std::printf("%d files: %d opened, rejected:", argc - 1, opened);
    for (const auto& [code, count] : rejected) std::printf(" %s %d", code.c_str(), count);
    std::printf("; %d problems\n", problems);
    return problems == 0 ? 0 : 1;
}
