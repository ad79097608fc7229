#include "js_errors.h"

#include "common/aborted.h"
#include "gguf/gguf_error.h"

#include <new>
#include <stdexcept>

namespace llava_addon {

Napi::Value error_to_js(Napi::Env env, std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const llava::gguf_error& e) {
        Napi::Error js = Napi::Error::New(env, e.what());
        js.Set("nativeCode", Napi::String::New(env, std::string("GGUF_") + llava::gguf_error_code_name(e.code())));
        js.Set("field", Napi::String::New(env, e.field()));
        js.Set("offset", Napi::Number::New(env, static_cast<double>(e.offset())));
        return js.Value();
    } catch (const llava::aborted&) {
        Napi::Error js = Napi::Error::New(env, "aborted");
        js.Set("nativeCode", Napi::String::New(env, "ABORTED"));
        return js.Value();
    } catch (const std::length_error& e) {
        Napi::Error js = Napi::Error::New(env, e.what());
        js.Set("nativeCode", Napi::String::New(env, "CONTEXT_OVERFLOW"));
        return js.Value();
    } catch (const std::bad_alloc&) {
        Napi::Error js = Napi::Error::New(env, "out of memory");
        js.Set("nativeCode", Napi::String::New(env, "OUT_OF_MEMORY"));
        return js.Value();
    } catch (const std::invalid_argument& e) {
        Napi::Error js = Napi::Error::New(env, e.what());
        js.Set("nativeCode", Napi::String::New(env, "INVALID_ARGUMENT"));
        return js.Value();
    } catch (const std::exception& e) {
        Napi::Error js = Napi::Error::New(env, e.what());
        js.Set("nativeCode", Napi::String::New(env, "NATIVE"));
        return js.Value();
    } catch (...) {
        Napi::Error js = Napi::Error::New(env, "unknown native error");
        js.Set("nativeCode", Napi::String::New(env, "NATIVE"));
        return js.Value();
    }
}

} // namespace llava_addon
