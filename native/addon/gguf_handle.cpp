#include "gguf_handle.h"

#include "addon_data.h"
#include "backend/cpu/dequantize_cpu.h"
#include "js_convert.h"
#include "js_errors.h"
#include "promise_worker.h"

#include <cstring>

namespace llava_addon {

namespace {

Napi::Value scalar_to_js(Napi::Env env, const llava::gguf_file& file, const llava::gguf_kv& kv) {
    using llava::gguf_value_type;
    switch (kv.type) {
        case gguf_value_type::uint64: return Napi::BigInt::New(env, file.read_uint64_bits(kv));
        case gguf_value_type::int64: return Napi::BigInt::New(env, static_cast<int64_t>(file.read_uint64_bits(kv)));
        case gguf_value_type::float32:
        case gguf_value_type::float64: return Napi::Number::New(env, file.read_float(kv));
        case gguf_value_type::boolean: return Napi::Boolean::New(env, file.read_bool(kv));
        case gguf_value_type::string: {
            std::string_view s = file.read_string(kv);
            return Napi::String::New(env, s.data(), s.size());
        }
        default: return Napi::Number::New(env, static_cast<double>(file.read_int(kv)));
    }
}

// Copies `count` numeric items starting at `start` into a typed array of the
// matching element type (bools come back as a Uint8Array of 0/1 bytes).
Napi::Value numeric_items_to_js(Napi::Env env, const llava::gguf_file& file, const llava::gguf_kv& kv, uint64_t start,
                                uint64_t count) {
    using llava::gguf_value_type;
    const uint64_t item_size = llava::gguf_fixed_size(static_cast<uint32_t>(kv.item_type));
    const uint8_t* src = file.array_items(kv) + start * item_size;
    const size_t n = static_cast<size_t>(count);
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, n * item_size);
    std::memcpy(buffer.Data(), src, n * item_size);
    switch (kv.item_type) {
        case gguf_value_type::uint8: return Napi::Uint8Array::New(env, n, buffer, 0);
        case gguf_value_type::boolean: {
            auto* bytes = static_cast<uint8_t*>(buffer.Data());
            for (size_t i = 0; i < n; ++i) bytes[i] = bytes[i] != 0 ? 1 : 0;
            return Napi::Uint8Array::New(env, n, buffer, 0);
        }
        case gguf_value_type::int8: return Napi::Int8Array::New(env, n, buffer, 0);
        case gguf_value_type::uint16: return Napi::Uint16Array::New(env, n, buffer, 0);
        case gguf_value_type::int16: return Napi::Int16Array::New(env, n, buffer, 0);
        case gguf_value_type::uint32: return Napi::Uint32Array::New(env, n, buffer, 0);
        case gguf_value_type::int32: return Napi::Int32Array::New(env, n, buffer, 0);
        case gguf_value_type::float32: return Napi::Float32Array::New(env, n, buffer, 0);
        case gguf_value_type::float64: return Napi::Float64Array::New(env, n, buffer, 0);
        case gguf_value_type::uint64: return Napi::BigUint64Array::New(env, n, buffer, 0, napi_biguint64_array);
        case gguf_value_type::int64: return Napi::BigInt64Array::New(env, n, buffer, 0, napi_bigint64_array);
        default: throw Napi::TypeError::New(env, "not a numeric array");
    }
}

} // namespace

void gguf_handle::define(Napi::Env env, Napi::Object exports) {
    Napi::Function ctor = DefineClass(env, "GgufHandle",
                                      {
                                          StaticMethod<&gguf_handle::open>("open"),
                                          InstanceMethod<&gguf_handle::info>("info"),
                                          InstanceMethod<&gguf_handle::metadata>("metadata"),
                                          InstanceMethod<&gguf_handle::read_array>("readArray"),
                                          InstanceMethod<&gguf_handle::tensors>("tensors"),
                                          InstanceMethod<&gguf_handle::tensor_bytes>("tensorBytes"),
                                          InstanceMethod<&gguf_handle::dequantize>("dequantize"),
                                          InstanceMethod<&gguf_handle::close>("close"),
                                      });
    data_of(env).gguf_handle = Napi::Persistent(ctor);
    exports.Set("GgufHandle", ctor);
}

// Only `open` constructs handles: it passes the parsed file through an External.
gguf_handle::gguf_handle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<gguf_handle>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
        throw Napi::TypeError::New(info.Env(), "use GgufHandle.open(path)");
    }
    auto* parsed = info[0].As<Napi::External<std::shared_ptr<const llava::gguf_file>>>().Data();
    file_ = *parsed;
}

Napi::Value gguf_handle::open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "open(path: string)");
    std::string path = info[0].As<Napi::String>();
    auto parsed = std::make_shared<std::shared_ptr<const llava::gguf_file>>();
    return promise_worker::start(
        env, [path, parsed] { *parsed = llava::gguf_file::open(path); },
        [parsed](Napi::Env env) -> Napi::Value {
            auto external = Napi::External<std::shared_ptr<const llava::gguf_file>>::New(env, parsed.get());
            return data_of(env).gguf_handle.New({external});
        });
}

const llava::gguf_file& gguf_handle::file(Napi::Env env) const {
    if (!file_) throw Napi::Error::New(env, "the GGUF file is closed");
    return *file_;
}

Napi::Value gguf_handle::info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const llava::gguf_file& f = file(env);
    Napi::Object out = Napi::Object::New(env);
    out.Set("version", f.version());
    out.Set("alignment", f.alignment());
    out.Set("dataOffset", static_cast<double>(f.data_offset()));
    out.Set("fileSize", static_cast<double>(f.file_size()));
    return out;
}

Napi::Value gguf_handle::metadata(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const llava::gguf_file& f = file(env);
    return translate_errors(env, [&]() -> Napi::Value {
        const auto& kvs = f.metadata();
        Napi::Array out = Napi::Array::New(env, kvs.size());
        for (size_t i = 0; i < kvs.size(); ++i) {
            const llava::gguf_kv& kv = kvs[i];
            Napi::Object entry = Napi::Object::New(env);
            entry.Set("key", Napi::String::New(env, kv.key.data(), kv.key.size()));
            entry.Set("type", static_cast<uint32_t>(kv.type));
            entry.Set("offset", static_cast<double>(kv.record_offset));
            if (kv.type == llava::gguf_value_type::array) {
                entry.Set("itemType", static_cast<uint32_t>(kv.item_type));
                entry.Set("count", static_cast<double>(kv.item_count));
            } else {
                entry.Set("value", scalar_to_js(env, f, kv));
            }
            out.Set(static_cast<uint32_t>(i), entry);
        }
        return out;
    });
}

// readArray(kvIndex, start, count): a typed array (numbers, bigints, 0/1 bytes
// for bools) or a string[] for string arrays.
Napi::Value gguf_handle::read_array(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const llava::gguf_file& f = file(env);
    const uint64_t index = integer_arg(info[0], "kvIndex");
    if (index >= f.metadata().size()) throw Napi::RangeError::New(env, "kvIndex out of range");
    const llava::gguf_kv& kv = f.metadata()[index];
    if (kv.type != llava::gguf_value_type::array) throw Napi::TypeError::New(env, "not an array");
    const uint64_t start = integer_arg(info[1], "start");
    const uint64_t count = integer_arg(info[2], "count");
    if (start > kv.item_count || count > kv.item_count - start) throw Napi::RangeError::New(env, "range exceeds the array");
    return translate_errors(env, [&]() -> Napi::Value {
        if (kv.item_type != llava::gguf_value_type::string) return numeric_items_to_js(env, f, kv, start, count);
        std::vector<std::string_view> items = f.read_string_array(kv, start, count);
        Napi::Array out = Napi::Array::New(env, items.size());
        for (size_t i = 0; i < items.size(); ++i) {
            out.Set(static_cast<uint32_t>(i), Napi::String::New(env, items[i].data(), items[i].size()));
        }
        return out;
    });
}

Napi::Value gguf_handle::tensors(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const llava::gguf_file& f = file(env);
    const auto& tensors = f.tensors();
    Napi::Array out = Napi::Array::New(env, tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
        const llava::gguf_tensor_info& t = tensors[i];
        Napi::Object entry = Napi::Object::New(env);
        entry.Set("name", Napi::String::New(env, t.name.data(), t.name.size()));
        entry.Set("typeId", static_cast<uint32_t>(t.type));
        Napi::Array shape = Napi::Array::New(env, t.n_dims);
        for (uint32_t d = 0; d < t.n_dims; ++d) shape.Set(d, static_cast<double>(t.ne[d]));
        entry.Set("shape", shape);
        entry.Set("offset", static_cast<double>(t.offset));
        entry.Set("size", static_cast<double>(t.n_bytes));
        out.Set(static_cast<uint32_t>(i), entry);
    }
    return out;
}

const llava::gguf_tensor_info& gguf_handle::tensor_at(const Napi::CallbackInfo& info) const {
    const llava::gguf_file& f = file(info.Env());
    const uint64_t index = integer_arg(info[0], "tensorIndex");
    if (index >= f.tensors().size()) throw Napi::RangeError::New(info.Env(), "tensorIndex out of range");
    return f.tensors()[index];
}

// A copy of one tensor's stored bytes.
Napi::Value gguf_handle::tensor_bytes(const Napi::CallbackInfo& info) {
    const llava::gguf_tensor_info& t = tensor_at(info);
    return Napi::Buffer<uint8_t>::Copy(info.Env(), t.data, static_cast<size_t>(t.n_bytes));
}

// dequantize(tensorIndex) → Promise<Float32Array>, computed off the JS thread.
Napi::Value gguf_handle::dequantize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const llava::gguf_tensor_info& t = tensor_at(info);
    const llava::tensor_type_traits* traits = llava::find_tensor_type(static_cast<uint32_t>(t.type));
    if (!traits->can_dequantize) {
        throw Napi::Error::New(env, std::string("cannot dequantize tensor type ") + traits->name);
    }
    const uint64_t n = static_cast<uint64_t>(t.n_elements());
    auto out = std::make_shared<std::vector<float>>();
    std::shared_ptr<const llava::gguf_file> keep = file_; // the mapping must outlive the work
    const llava::gguf_tensor_info* tensor = &t;
    return promise_worker::start(
        env,
        [keep, tensor, n, out] {
            out->resize(n);
            llava::cpu_dequantize_row(tensor->type, tensor->data, out->data(), static_cast<int64_t>(n));
        },
        [out](Napi::Env env) -> Napi::Value { return to_float32_array(env, *out); });
}

Napi::Value gguf_handle::close(const Napi::CallbackInfo& info) {
    file_.reset(); // work still in flight holds its own reference
    return info.Env().Undefined();
}

} // namespace llava_addon
