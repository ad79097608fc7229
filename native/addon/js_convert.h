// Conversions between JS values and engine values shared by the binding
// functions. Argument readers return the converted value or throw a TypeError /
// RangeError that names the argument.
#pragma once

#include "formats/tensor_type.h"

#include <napi.h>

#include <cstdint>
#include <vector>

namespace llava_addon {

// A non-negative integer no larger than 2^53 − 1 (an index, a count, a seed).
uint64_t integer_arg(const Napi::Value& value, const char* what);

// A ggml tensor type id that the engine knows.
const llava::tensor_type_traits& tensor_type_arg(const Napi::Value& value);

Napi::Float32Array float32_array_arg(const Napi::Value& value, const char* what);
Napi::Uint8Array uint8_array_arg(const Napi::Value& value, const char* what);

// Copies of engine results as typed arrays.
Napi::Float32Array to_float32_array(Napi::Env env, const std::vector<float>& values);
Napi::Uint8Array to_uint8_array(Napi::Env env, const std::vector<uint8_t>& bytes);

} // namespace llava_addon
