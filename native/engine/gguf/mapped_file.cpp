#include "gguf/mapped_file.h"

#include "gguf/gguf_error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llava {

namespace {

[[noreturn]] void throw_io(const std::string& path, const char* what) {
    throw gguf_error(gguf_error_code::io, "file", 0,
                     std::string(what) + " '" + path + "': " + std::strerror(errno));
}

} // namespace

mapped_file::mapped_file(const std::string& path) : path_(path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_io(path, "cannot open");

    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int saved = errno;
        ::close(fd);
        errno = saved;
        throw_io(path, "cannot stat");
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw gguf_error(gguf_error_code::io, "file", 0, "not a regular file: '" + path + "'");
    }
    size_ = static_cast<uint64_t>(st.st_size);

    // mmap refuses zero-length maps; an empty file is reported as truncated
    // by the parser, which only needs a valid (empty) span.
    if (size_ > 0) {
        void* map = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            int saved = errno;
            ::close(fd);
            errno = saved;
            throw_io(path, "cannot map");
        }
        data_ = static_cast<const uint8_t*>(map);
    }
    ::close(fd); // the mapping keeps its own reference to the file
}

mapped_file::~mapped_file() {
    if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

} // namespace llava
