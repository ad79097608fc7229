#include "backend/cpu/dequantize_cpu.h"

#include "backend/cpu/convert_f16.h"
#include "formats/dequantize.h"

namespace llava {

void cpu_dequantize_row(tensor_type type, const void* src, float* dst, int64_t n) {
    if (type == tensor_type::F16) {
        convert_f16_to_f32(static_cast<const uint16_t*>(src), dst, n);
        return;
    }
    dequantize_row(type, src, dst, n);
}

} // namespace llava
