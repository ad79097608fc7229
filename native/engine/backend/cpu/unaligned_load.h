// Reads a value from memory of unknown alignment. GGUF only promises
// `general.alignment`, which may be 1, so weight rows read straight from a
// mapped file may be misaligned for their 16- and 32-bit fields; memcpy is the
// defined way to read them and compiles to a plain load on x86.
#pragma once

#include <cstring>

namespace llava {

template <typename T>
inline T load_unaligned(const void* address) {
    T value;
    std::memcpy(&value, address, sizeof value);
    return value;
}

} // namespace llava
