#include "cuda_binding.h"

#include "backend/cuda/cuda_device.h"
#include "backend/cuda/dequantize.h"
#include "formats/tensor_type.h"
#include "js_errors.h"
#include "promise_worker.h"

#include <cstring>
#include <memory>
#include <vector>

namespace llava_addon {

namespace {

Napi::Value devices(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return translate_errors(env, [&]() -> Napi::Value {
        const std::vector<llava::cuda_device_info> list = llava::list_cuda_devices();
        Napi::Array out = Napi::Array::New(env, list.size());
        for (size_t i = 0; i < list.size(); ++i) {
            Napi::Object d = Napi::Object::New(env);
            d.Set("index", list[i].index);
            d.Set("name", list[i].name);
            d.Set("computeCapability", std::to_string(list[i].major) + "." + std::to_string(list[i].minor));
            d.Set("totalMemory", static_cast<double>(list[i].total_memory));
            out.Set(static_cast<uint32_t>(i), d);
        }
        return out;
    });
}

// dequantize(typeId, bytes: Uint8Array, elementCount) → Promise<Float32Array>, on the GPU.
Napi::Value dequantize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const llava::tensor_type_traits* traits =
        info[0].IsNumber() ? llava::find_tensor_type(info[0].As<Napi::Number>().Uint32Value()) : nullptr;
    if (traits == nullptr || !traits->can_dequantize) throw Napi::TypeError::New(env, "not a dequantizable tensor type id");
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throw Napi::TypeError::New(env, "bytes must be a Uint8Array");
    }
    Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
    if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "elementCount must be a number");
    const int64_t n = info[2].As<Napi::Number>().Int64Value();
    uint64_t needed = 0;
    if (n < 0 || !llava::row_bytes(traits->type, static_cast<uint64_t>(n), needed) || needed != bytes.ByteLength()) {
        throw Napi::RangeError::New(env, "byte length does not match the element count");
    }
    const llava::tensor_type type = traits->type;
    const uint8_t* src = bytes.Data();
    auto out = std::make_shared<std::vector<float>>();
    return promise_worker::start(
        env,
        [=] {
            out->resize(static_cast<size_t>(n));
            llava::cuda_dequantize_host(type, src, needed, out->data(), n);
        },
        [out](Napi::Env env) -> Napi::Value {
            Napi::Float32Array array = Napi::Float32Array::New(env, out->size());
            std::memcpy(array.Data(), out->data(), out->size() * sizeof(float));
            return array;
        },
        {bytes});
}

} // namespace

void define_cuda(Napi::Env env, Napi::Object exports) {
    Napi::Object cuda = Napi::Object::New(env);
    cuda.Set("devices", Napi::Function::New(env, devices, "devices"));
    cuda.Set("dequantize", Napi::Function::New(env, dequantize, "dequantize"));
    exports.Set("cuda", cuda);
}

} // namespace llava_addon
