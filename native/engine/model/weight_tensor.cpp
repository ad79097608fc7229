#include "model/weight_tensor.h"

#include "gguf/gguf_error.h"

#include <sstream>

namespace llava {

namespace {

std::string shape_text(const int64_t* ne, size_t n) {
    std::ostringstream out;
    out << '[';
    for (size_t i = 0; i < n; ++i) out << (i ? ", " : "") << ne[i];
    out << ']';
    return out.str();
}

weight_tensor view(const gguf_tensor_info& info, std::initializer_list<int64_t> shape) {
    const std::string name(info.name);
    size_t d = 0;
    bool matches = true;
    for (int64_t expected : shape) matches = matches && info.ne[d++] == expected;
    for (; d < gguf_max_dims; ++d) matches = matches && info.ne[d] == 1;
    if (!matches) {
        throw gguf_error(gguf_error_code::shape_mismatch, "tensor '" + name + "'", info.record_offset,
                         "tensor '" + name + "' has shape " + shape_text(info.ne, info.n_dims) + ", expected " +
                             shape_text(shape.begin(), shape.size()));
    }
    weight_tensor w;
    w.type = info.type;
    w.data = info.data;
    for (size_t i = 0; i < gguf_max_dims; ++i) w.ne[i] = info.ne[i];
    w.name = name;
    return w;
}

} // namespace

weight_tensor require_weight(const gguf_file& file, const std::string& name, std::initializer_list<int64_t> shape) {
    return view(file.require_tensor(name), shape);
}

weight_tensor optional_weight(const gguf_file& file, const std::string& name, std::initializer_list<int64_t> shape) {
    const gguf_tensor_info* info = file.find_tensor(name);
    return info == nullptr ? weight_tensor{} : view(*info, shape);
}

weight_tensor require_f32(const gguf_file& file, const std::string& name, std::initializer_list<int64_t> shape) {
    weight_tensor w = require_weight(file, name, shape);
    if (w.type != tensor_type::F32) {
        throw gguf_error(gguf_error_code::shape_mismatch, "tensor '" + name + "'", file.require_tensor(name).record_offset,
                         "tensor '" + name + "' must be F32, found " + find_tensor_type(static_cast<uint32_t>(w.type))->name);
    }
    return w;
}

} // namespace llava
