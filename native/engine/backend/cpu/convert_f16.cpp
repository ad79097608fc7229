#include "backend/cpu/convert_f16.h"

#include "backend/cpu/cpu_features.h"
#include "formats/dequantize.h"

namespace llava {

void convert_f16_to_f32(const uint16_t* src, float* dst, int64_t n) {
    if (host_cpu_features().f16c) {
        convert_f16_to_f32_f16c(src, dst, n);
        return;
    }
    dequantize_row(tensor_type::F16, src, dst, n);
}

} // namespace llava
