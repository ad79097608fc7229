// A weight as the forward pass sees it: a zero-copy view of a GGUF tensor,
// fetched by name with its shape checked against the model's hyper-parameters.
#pragma once

#include "formats/tensor_type.h"
#include "gguf/gguf_file.h"

#include <cstdint>
#include <initializer_list>
#include <string>

namespace llava {

struct weight_tensor {
    tensor_type type = tensor_type::F32;
    const void* data = nullptr; // inside the file's mapping
    int64_t ne[4] = {1, 1, 1, 1};
    std::string name;

    bool present() const { return data != nullptr; }
};

// The tensor `name`, required to have exactly the dimensions `shape` (ne order).
// Throws gguf_error(not_found / shape_mismatch).
weight_tensor require_weight(const gguf_file& file, const std::string& name, std::initializer_list<int64_t> shape);

// As require_weight, but an absent tensor gives an empty view.
weight_tensor optional_weight(const gguf_file& file, const std::string& name, std::initializer_list<int64_t> shape);

// A weight that must be F32 (norm weights and biases are read directly as floats).
weight_tensor require_f32(const gguf_file& file, const std::string& name, std::initializer_list<int64_t> shape);

} // namespace llava
