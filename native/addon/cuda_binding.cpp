#include "cuda_binding.h"

#include "backend/cuda/cuda_device.h"
#include "backend/cuda/dequantize.h"
#include "formats/tensor_type.h"
#include "js_convert.h"
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
    const llava::tensor_type_traits& traits = tensor_type_arg(info[0]);
    if (!traits.can_dequantize) throw Napi::TypeError::New(env, std::string("cannot dequantize ") + traits.name);
    Napi::Uint8Array bytes = uint8_array_arg(info[1], "bytes");
    const int64_t n = static_cast<int64_t>(integer_arg(info[2], "elementCount"));
    uint64_t needed = 0;
    if (!llava::row_bytes(traits.type, static_cast<uint64_t>(n), needed) || needed != bytes.ByteLength()) {
        throw Napi::RangeError::New(env, "byte length does not match the element count");
    }
    const llava::tensor_type type = traits.type;
    const uint8_t* src = bytes.Data();
    auto out = std::make_shared<std::vector<float>>();
    return promise_worker::start(
        env,
        [=] {
            out->resize(static_cast<size_t>(n));
            llava::cuda_dequantize_host(type, src, needed, out->data(), n);
        },
        [out](Napi::Env env) -> Napi::Value { return to_float32_array(env, *out); },
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
