// Standalone test of the tensor-format layer against ggml's golden data.
//
// Usage: formats_test <golden quant directory>   (shared/fixtures/golden/quant)
// Prints one line per check and exits non-zero if any check fails.
//
// - Dequantization must match ggml bit for bit (all-types.dequant.f32) for every type.
// - Our quantizers must reconstruct all-types.source.f32 with an RMSE of at most
//   1.05 x ggml's RMSE (all-types.json).
// - f16/bf16 conversions and row_bytes are checked on edge cases.
// - Single-threaded quantization throughput is printed for information (not checked:
//   it depends on the machine).
#include "check.h"
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "formats/dequantize.h"
#include "formats/half.h"
#include "formats/quantize.h"
#include "formats/tensor_type.h"

namespace {

using namespace llava;

using llava_test::check;

bool read_file(const std::string& path, std::string& contents) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return false;
    contents.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    return true;
}

// The few per-tensor numbers needed from all-types.json.
struct golden_tensor {
    std::string type_name;
    uint64_t n_elements = 0;
    uint64_t n_bytes = 0;
    uint64_t gguf_data_offset = 0;
    uint64_t source_offset = 0;
    uint64_t dequant_offset = 0;
    double ggml_rmse = 0;
};

// Number following `"key":` at or after `from`, limited to before `until`.
bool json_number(const std::string& json, size_t from, size_t until, const char* key, double& out) {
    const std::string quoted = std::string("\"") + key + "\":";
    const size_t at = json.find(quoted, from);
    if (at == std::string::npos || at >= until) return false;
    out = std::strtod(json.c_str() + at + quoted.size(), nullptr);
    return true;
}

bool json_string(const std::string& json, size_t from, size_t until, const char* key, std::string& out) {
    const std::string quoted = std::string("\"") + key + "\": \"";
    const size_t at = json.find(quoted, from);
    if (at == std::string::npos || at >= until) return false;
    const size_t start = at + quoted.size();
    out = json.substr(start, json.find('"', start) - start);
    return true;
}

// Splits the "tensors" array at each `"index":` and reads the fields of each entry.
bool parse_golden_json(const std::string& json, std::vector<golden_tensor>& tensors) {
    size_t at = json.find("\"tensors\"");
    if (at == std::string::npos) return false;
    std::vector<size_t> starts;
    while ((at = json.find("\"index\":", at + 1)) != std::string::npos) starts.push_back(at);
    for (size_t i = 0; i < starts.size(); ++i) {
        const size_t from = starts[i];
        const size_t until = i + 1 < starts.size() ? starts[i + 1] : json.size();
        golden_tensor t;
        double n_elements, n_bytes, gguf_offset, source_offset, dequant_offset;
        if (!json_string(json, from, until, "type", t.type_name) ||
            !json_number(json, from, until, "n_elements", n_elements) ||
            !json_number(json, from, until, "n_bytes", n_bytes) ||
            !json_number(json, from, until, "gguf_data_offset_abs", gguf_offset) ||
            !json_number(json, from, until, "source_f32_byte_offset", source_offset) ||
            !json_number(json, from, until, "dequant_f32_byte_offset", dequant_offset) ||
            !json_number(json, from, until, "rmse", t.ggml_rmse)) {
            return false;
        }
        t.n_elements = static_cast<uint64_t>(n_elements);
        t.n_bytes = static_cast<uint64_t>(n_bytes);
        t.gguf_data_offset = static_cast<uint64_t>(gguf_offset);
        t.source_offset = static_cast<uint64_t>(source_offset);
        t.dequant_offset = static_cast<uint64_t>(dequant_offset);
        tensors.push_back(t);
    }
    return !tensors.empty();
}

bool slice_fits(const std::string& data, uint64_t offset, uint64_t size) {
    return offset <= data.size() && size <= data.size() - offset;
}

std::vector<float> floats_at(const std::string& data, uint64_t offset, uint64_t count) {
    std::vector<float> values(count);
    std::memcpy(values.data(), data.data() + offset, count * sizeof(float));
    return values;
}

double rmse(const std::vector<float>& a, const std::vector<float>& b) {
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double diff = static_cast<double>(a[i]) - b[i];
        sum += diff * diff;
    }
    return std::sqrt(sum / a.size());
}

void check_golden_tensor(const golden_tensor& golden, const std::string& gguf, const std::string& source,
                         const std::string& dequant) {
    const std::string& name = golden.type_name;
    tensor_type type;
    if (!find_type_by_name(name, type)) {
        check(false, name + ": known type name");
        return;
    }
    const tensor_type_traits* traits = find_tensor_type(static_cast<uint32_t>(type));
    uint64_t expected_bytes = 0;
    check(traits != nullptr && row_bytes(type, golden.n_elements, expected_bytes) && expected_bytes == golden.n_bytes,
          name + ": row_bytes matches n_bytes " + std::to_string(golden.n_bytes));
    const uint64_t float_bytes = golden.n_elements * sizeof(float);
    if (!slice_fits(gguf, golden.gguf_data_offset, golden.n_bytes) ||
        !slice_fits(source, golden.source_offset, float_bytes) ||
        !slice_fits(dequant, golden.dequant_offset, float_bytes)) {
        check(false, name + ": golden offsets inside files");
        return;
    }
    const int64_t n = static_cast<int64_t>(golden.n_elements);

    // Dequantize ggml's stored tensor; must equal ggml's output bit for bit.
    std::vector<float> ours(golden.n_elements);
    dequantize_row(type, gguf.data() + golden.gguf_data_offset, ours.data(), n);
    const bool bit_exact = std::memcmp(ours.data(), dequant.data() + golden.dequant_offset, float_bytes) == 0;
    check(traits->can_dequantize && bit_exact, name + ": dequantization bit-exact with ggml");

    if (!traits->can_quantize) {
        std::printf("SKIP %s: no quantizer\n", name.c_str());
        return;
    }
    const std::vector<float> values = floats_at(source, golden.source_offset, golden.n_elements);
    std::vector<uint8_t> quantized(golden.n_bytes);
    quantize_row(type, values.data(), quantized.data(), n);
    std::vector<float> restored(golden.n_elements);
    dequantize_row(type, quantized.data(), restored.data(), n);
    const double our_rmse = rmse(restored, values);
    const double ratio = golden.ggml_rmse > 0 ? our_rmse / golden.ggml_rmse : (our_rmse == 0 ? 0.0 : HUGE_VAL);
    char line[160];
    std::snprintf(line, sizeof line, "%-6s ours=%.6g ggml=%.6g ratio=%.4f", name.c_str(), our_rmse, golden.ggml_rmse,
                  ratio);
    check(ratio <= 1.05, line);

    // Determinism: quantizing again gives the same bytes.
    std::vector<uint8_t> again(golden.n_bytes);
    quantize_row(type, values.data(), again.data(), n);
    check(again == quantized, name + ": quantization deterministic");
}

// Quantizing blocks of zeros and blocks dominated by one outlier must stay finite and
// reproduce zeros exactly.
void check_degenerate_inputs() {
    for (uint32_t id = 0; id < 64; ++id) {
        const tensor_type_traits* traits = find_tensor_type(id);
        if (traits == nullptr || !traits->can_quantize) continue;
        const int64_t n = 256;
        uint64_t bytes = 0;
        row_bytes(traits->type, n, bytes);
        std::vector<uint8_t> block(bytes);
        std::vector<float> restored(n);

        std::vector<float> zeros(n, 0.0f);
        quantize_row(traits->type, zeros.data(), block.data(), n);
        dequantize_row(traits->type, block.data(), restored.data(), n);
        check(restored == zeros, std::string(traits->name) + ": all-zero block restores zeros");

        std::vector<float> spike(n, 0.0f);
        spike[7] = 1000.0f;
        spike[100] = 0.001f;
        quantize_row(traits->type, spike.data(), block.data(), n);
        dequantize_row(traits->type, block.data(), restored.data(), n);
        bool finite = true;
        for (float v : restored) finite = finite && std::isfinite(v);
        check(finite && std::fabs(restored[7] - 1000.0f) < 20.0f,
              std::string(traits->name) + ": lone outlier block stays finite, outlier kept");
    }
}

// Quantizes 4M Gaussian values per block type in one quantize_row call on this thread and
// prints the rate. Informational only: a timing threshold would make the test flaky.
void report_quantize_throughput() {
    constexpr int64_t n = int64_t(1) << 22;
    std::vector<float> values(static_cast<size_t>(n));
    std::mt19937 rng(20250220);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float& v : values) v = normal(rng);
    for (uint32_t id = 0; id < 64; ++id) {
        const tensor_type_traits* traits = find_tensor_type(id);
        if (traits == nullptr || !traits->can_quantize || traits->block_size == 1) continue;
        uint64_t bytes = 0;
        row_bytes(traits->type, static_cast<uint64_t>(n), bytes);
        std::vector<uint8_t> quantized(bytes);
        const auto start = std::chrono::steady_clock::now();
        quantize_row(traits->type, values.data(), quantized.data(), n);
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        std::printf("TIME %-6s quantize_row %.1f M elements/s (1 thread)\n", traits->name,
                    static_cast<double>(n) / elapsed.count() / 1e6);
    }
}

uint32_t bits_of(float f) { return float_bits(f); }

void check_half_conversions() {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    struct f16_case { float value; uint16_t bits; const char* what; };
    const f16_case f16_cases[] = {
        {0.0f, 0x0000, "+0"},
        {-0.0f, 0x8000, "-0"},
        {1.0f, 0x3c00, "1"},
        {-2.0f, 0xc000, "-2"},
        {65504.0f, 0x7bff, "max 65504"},
        {65519.99f, 0x7bff, "just below the overflow tie"},
        {65520.0f, 0x7c00, "overflow tie -> inf"},
        {inf, 0x7c00, "+inf"},
        {-inf, 0xfc00, "-inf"},
        {6.103515625e-05f, 0x0400, "min normal 2^-14"},
        {5.9604644775390625e-08f, 0x0001, "min subnormal 2^-24"},
        {6.0975551605224609e-05f, 0x03ff, "max subnormal"},
        {2.98023223876953125e-08f, 0x0000, "2^-25 tie -> 0 (even)"},
        {2.98023259404089e-08f, 0x0001, "just above 2^-25 -> min subnormal"},
        {8.94069671630859375e-08f, 0x0002, "1.5 * 2^-24 tie -> 2 (even)"},
        {1.00048828125f, 0x3c00, "1 + 2^-11 tie -> 1 (even)"},
        {1.00146484375f, 0x3c02, "1 + 3*2^-11 tie -> up (even)"},
        {1.0e-10f, 0x0000, "tiny -> 0"},
    };
    for (const f16_case& c : f16_cases) {
        const uint16_t got = f32_to_f16(c.value);
        char line[120];
        std::snprintf(line, sizeof line, "f32_to_f16 %s -> 0x%04x (want 0x%04x)", c.what, got, c.bits);
        check(got == c.bits, line);
    }
    // Every non-NaN half round-trips through float exactly.
    bool all_round_trip = true;
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const bool is_nan = (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
        if (!is_nan && f32_to_f16(f16_to_f32(static_cast<uint16_t>(h))) != h) all_round_trip = false;
    }
    check(all_round_trip, "f16 -> f32 -> f16 round-trips every non-NaN half");
    check(f16_to_f32(0x0001) == 5.9604644775390625e-08f, "f16_to_f32 min subnormal");
    check(f16_to_f32(0x03ff) == 6.0975551605224609e-05f, "f16_to_f32 max subnormal");
    check(bits_of(f16_to_f32(0x8000)) == 0x80000000u, "f16_to_f32 -0");
    check(f16_to_f32(0x7c00) == inf && f16_to_f32(0xfc00) == -inf, "f16_to_f32 +-inf");
    check(std::isnan(f16_to_f32(0x7e00)) && std::isnan(f16_to_f32(0x7c01)), "f16_to_f32 NaN");
    const uint16_t nan_half = f32_to_f16(nan);
    check((nan_half & 0x7c00) == 0x7c00 && (nan_half & 0x0200) != 0, "f32_to_f16 NaN -> quiet NaN");
    check(f32_to_f16(-nan) & 0x8000, "f32_to_f16 NaN keeps sign");
    check((f32_to_f16(float_from_bits(0x7f800001u)) & 0x7fff) > 0x7c00, "f32_to_f16 signalling NaN stays NaN");

    struct bf16_case { uint32_t value_bits; uint16_t bits; const char* what; };
    const bf16_case bf16_cases[] = {
        {0x00000000u, 0x0000, "+0"},
        {0x80000000u, 0x8000, "-0"},
        {0x3f800000u, 0x3f80, "1"},
        {0x3f808000u, 0x3f80, "tie to even (down)"},
        {0x3f818000u, 0x3f82, "tie to even (up)"},
        {0x3f808001u, 0x3f81, "above tie rounds up"},
        {0x7f7fffffu, 0x7f80, "max float rounds to inf"},
        {0x7f800000u, 0x7f80, "+inf"},
        {0xff800000u, 0xff80, "-inf"},
        {0x00000001u, 0x0000, "min subnormal rounds to 0"},
        {0x00400000u, 0x0040, "subnormal kept"},
        {0x7f800001u, 0x7fc0, "signalling NaN -> quiet NaN"},
        {0xffc00000u, 0xffc0, "negative quiet NaN"},
    };
    for (const bf16_case& c : bf16_cases) {
        const uint16_t got = f32_to_bf16(float_from_bits(c.value_bits));
        char line[120];
        std::snprintf(line, sizeof line, "f32_to_bf16 %s -> 0x%04x (want 0x%04x)", c.what, got, c.bits);
        check(got == c.bits, line);
    }
    bool bf16_round_trip = true;
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const bool is_nan = (h & 0x7f80) == 0x7f80 && (h & 0x007f) != 0;
        if (!is_nan && f32_to_bf16(bf16_to_f32(static_cast<uint16_t>(h))) != h) bf16_round_trip = false;
    }
    check(bf16_round_trip, "bf16 -> f32 -> bf16 round-trips every non-NaN bf16");
}

void check_type_table() {
    const uint32_t retired[] = {4, 5, 31, 32, 33, 36, 37, 38, 40, 1000, 0xffffffffu};
    bool none_found = true;
    for (uint32_t id : retired) none_found = none_found && find_tensor_type(id) == nullptr;
    check(none_found, "find_tensor_type rejects retired and unknown ids");

    const tensor_type_traits* q4_k = find_tensor_type(12);
    check(q4_k != nullptr && std::strcmp(q4_k->name, "Q4_K") == 0 && q4_k->block_size == 256 && q4_k->type_size == 144,
          "find_tensor_type(12) is Q4_K 256/144");
    const tensor_type_traits* mxfp4 = find_tensor_type(39);
    check(mxfp4 != nullptr && mxfp4->block_size == 32 && mxfp4->type_size == 17 && !mxfp4->can_dequantize,
          "find_tensor_type(39) is MXFP4 32/17");
    int dequantizable = 0;
    for (uint32_t id = 0; id < 64; ++id) {
        const tensor_type_traits* traits = find_tensor_type(id);
        if (traits != nullptr && traits->can_dequantize) ++dequantizable;
    }
    check(dequantizable == 15, "15 dequantizable types");

    tensor_type type;
    check(find_type_by_name("IQ4_XS", type) && type == tensor_type::IQ4_XS, "find_type_by_name IQ4_XS");
    check(!find_type_by_name("q4_k", type) && !find_type_by_name("Q4_2", type), "find_type_by_name rejects unknown");

    uint64_t bytes = 0;
    check(row_bytes(tensor_type::Q4_0, 64, bytes) && bytes == 36, "row_bytes Q4_0 64 -> 36");
    check(!row_bytes(tensor_type::Q4_0, 33, bytes), "row_bytes rejects a partial Q4_0 block");
    check(!row_bytes(tensor_type::Q6_K, 255, bytes), "row_bytes rejects a partial Q6_K block");
    check(!row_bytes(tensor_type::F32, std::numeric_limits<uint64_t>::max(), bytes), "row_bytes rejects F32 overflow");
    const uint64_t q8_k_blocks_max = std::numeric_limits<uint64_t>::max() / 256;
    check(!row_bytes(tensor_type::Q8_K, q8_k_blocks_max * 256, bytes), "row_bytes rejects Q8_K overflow");
    check(row_bytes(tensor_type::I8, std::numeric_limits<uint64_t>::max(), bytes) &&
              bytes == std::numeric_limits<uint64_t>::max(),
          "row_bytes I8 at the uint64 limit");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <golden quant directory>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    std::string json, gguf, source, dequant;
    if (!read_file(dir + "/all-types.json", json) || !read_file(dir + "/all-types.gguf", gguf) ||
        !read_file(dir + "/all-types.source.f32", source) || !read_file(dir + "/all-types.dequant.f32", dequant)) {
        std::fprintf(stderr, "cannot read the all-types.* files in %s\n", dir.c_str());
        return 2;
    }
    std::vector<golden_tensor> tensors;
    check(parse_golden_json(json, tensors) && tensors.size() == 15, "all-types.json lists 15 tensors");

    check_type_table();
    check_half_conversions();
    for (const golden_tensor& golden : tensors) check_golden_tensor(golden, gguf, source, dequant);
    check_degenerate_inputs();
    report_quantize_throughput();

    return llava_test::finish();
}
