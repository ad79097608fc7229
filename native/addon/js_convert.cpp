#include "js_convert.h"

#include <cstring>

#include <string>

namespace llava_addon {

uint64_t integer_arg(const Napi::Value& value, const char* what) {
    if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a number");
    const double d = value.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<uint64_t>(d))) {
        throw Napi::RangeError::New(value.Env(), std::string(what) + " must be a non-negative integer");
    }
    return static_cast<uint64_t>(d);
}

const llava::tensor_type_traits& tensor_type_arg(const Napi::Value& value) {
    const uint64_t id = integer_arg(value, "tensor type id");
    const llava::tensor_type_traits* traits = id <= UINT32_MAX ? llava::find_tensor_type(static_cast<uint32_t>(id)) : nullptr;
    if (traits == nullptr) throw Napi::RangeError::New(value.Env(), "unknown tensor type id " + std::to_string(id));
    return *traits;
}

Napi::Float32Array float32_array_arg(const Napi::Value& value, const char* what) {
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a Float32Array");
    }
    return value.As<Napi::Float32Array>();
}

Napi::Uint8Array uint8_array_arg(const Napi::Value& value, const char* what) {
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a Uint8Array");
    }
    return value.As<Napi::Uint8Array>();
}

Napi::Float32Array to_float32_array(Napi::Env env, const std::vector<float>& values) {
    Napi::Float32Array array = Napi::Float32Array::New(env, values.size());
    std::memcpy(array.Data(), values.data(), values.size() * sizeof(float));
    return array;
}

Napi::Uint8Array to_uint8_array(Napi::Env env, const std::vector<uint8_t>& bytes) {
    Napi::Uint8Array array = Napi::Uint8Array::New(env, bytes.size());
    std::memcpy(array.Data(), bytes.data(), bytes.size());
    return array;
}

} // namespace llava_addon
