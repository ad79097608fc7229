#include "formats_binding.h"

#include "common/parallel_for.h"
#include "common/random_normal.h"
#include "backend/cpu/dequantize_cpu.h"
#include "formats/quantize.h"
#include "formats/tensor_type.h"
#include "js_convert.h"
#include "promise_worker.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <memory>
#include <string>

namespace llava_addon {

namespace {

Napi::Value tensor_types(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t n = 0;
    for (uint32_t id = 0; id < 64; ++id) {
        const llava::tensor_type_traits* traits = llava::find_tensor_type(id);
        if (traits == nullptr) continue;
        Napi::Object entry = Napi::Object::New(env);
        entry.Set("id", id);
        entry.Set("name", traits->name);
        entry.Set("blockSize", traits->block_size);
        entry.Set("typeSize", traits->type_size);
        entry.Set("canDequantize", traits->can_dequantize);
        entry.Set("canQuantize", traits->can_quantize);
        out.Set(n++, entry);
    }
    return out;
}

// quantize(typeId, values: Float32Array, rowLength) → Promise<Uint8Array>.
// Rows are independent, so they are encoded in parallel.
Napi::Value quantize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const llava::tensor_type_traits& traits = tensor_type_arg(info[0]);
    Napi::Float32Array values = float32_array_arg(info[1], "values");
    const uint64_t row_length = integer_arg(info[2], "rowLength");
    if (!traits.can_quantize) throw Napi::Error::New(env, std::string("no quantizer for ") + traits.name);
    uint64_t row_size = 0;
    if (row_length == 0 || values.ElementLength() % row_length != 0 ||
        !llava::row_bytes(traits.type, row_length, row_size)) {
        throw Napi::RangeError::New(env, std::string("row length must divide the values and be a multiple of the ") +
                                             traits.name + " block size " + std::to_string(traits.block_size));
    }
    const uint64_t rows = values.ElementLength() / row_length;
    const float* src = values.Data();
    auto out = std::make_shared<std::vector<uint8_t>>();
    const auto type = traits.type;
    return promise_worker::start(
        env,
        [=] {
            // The quantizers assume finite input (a NaN would poison a whole block's scale).
            for (uint64_t i = 0; i < rows * row_length; ++i) {
                if (!std::isfinite(src[i])) {
                    throw std::invalid_argument("cannot quantize a non-finite value (at element " + std::to_string(i) + ")");
                }
            }
            out->resize(rows * row_size);
            llava::parallel_for(rows, [&](uint64_t begin, uint64_t end) {
                for (uint64_t r = begin; r < end; ++r) {
                    llava::quantize_row(type, src + r * row_length, out->data() + r * row_size,
                                        static_cast<int64_t>(row_length));
                }
            });
        },
        [out](Napi::Env env) -> Napi::Value { return to_uint8_array(env, *out); },
        {values});
}

// dequantize(typeId, bytes: Uint8Array, elementCount) → Promise<Float32Array>.
Napi::Value dequantize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const llava::tensor_type_traits& traits = tensor_type_arg(info[0]);
    Napi::Uint8Array bytes = uint8_array_arg(info[1], "bytes");
    const uint64_t n = integer_arg(info[2], "elementCount");
    if (!traits.can_dequantize) throw Napi::Error::New(env, std::string("cannot dequantize ") + traits.name);
    uint64_t needed = 0;
    const auto type = traits.type;
    if (!llava::row_bytes(type, n, needed) || needed != bytes.ByteLength()) {
        throw Napi::RangeError::New(env, std::string("expected ") + std::to_string(needed) + " bytes of " + traits.name +
                                             " for " + std::to_string(n) + " elements, got " +
                                             std::to_string(bytes.ByteLength()));
    }
    const uint8_t* src = bytes.Data();
    auto out = std::make_shared<std::vector<float>>();
    return promise_worker::start(
        env,
        [=] {
            out->resize(n);
            llava::cpu_dequantize_row(type, src, out->data(), static_cast<int64_t>(n));
        },
        [out](Napi::Env env) -> Napi::Value { return to_float32_array(env, *out); },
        {bytes});
}

// fillRandomNormal(target: Float32Array, seed, firstIndex, std): element i of
// the target gets the value at index firstIndex + i of the stream named by the
// seed, so a tensor generated in chunks equals one generated at once.
Napi::Value fill_random_normal(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Float32Array target = float32_array_arg(info[0], "target");
    const uint64_t seed = integer_arg(info[1], "seed");
    const uint64_t first = integer_arg(info[2], "firstIndex");
    if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "std must be a number");
    const float stddev = info[3].As<Napi::Number>().FloatValue();
    float* dst = target.Data();
    const uint64_t n = target.ElementLength();
    return promise_worker::start(
        env,
        [=] {
            llava::parallel_for(n, [&](uint64_t begin, uint64_t end) {
                llava::fill_random_normal(dst + begin, end - begin, seed, first + begin, stddev);
            });
        },
        [](Napi::Env env) -> Napi::Value { return env.Undefined(); }, {target});
}

} // namespace

void define_formats(Napi::Env env, Napi::Object exports) {
    exports.Set("tensorTypes", Napi::Function::New(env, tensor_types, "tensorTypes"));
    exports.Set("quantize", Napi::Function::New(env, quantize, "quantize"));
    exports.Set("dequantize", Napi::Function::New(env, dequantize, "dequantize"));
    exports.Set("fillRandomNormal", Napi::Function::New(env, fill_random_normal, "fillRandomNormal"));
}

} // namespace llava_addon
