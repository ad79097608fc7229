// Standalone test of the fused CPU attention (backend/cpu/attention.h) against
// a float64 reference that builds the full score matrix and takes an exact
// softmax.
//
// Usage: attention_test
// Prints one line per check and exits non-zero if any check fails. Inputs are
// fresh random numbers each run; the seed is printed so a failure can be
// replayed with `attention_test <seed>`.
//
// For every case, both variants (f16 and f32 keys/values), both kernel sets
// (scalar, and AVX2 when the CPU has it) and 1, 2 and 3 threads:
// - f32 variant: relative error ‖out − ref‖₂ / ‖ref‖₂ <= 1e-5.
// - f16 variant: <= 5e-4 against the reference computed on the inputs the
//   kernel actually multiplies (q, k, v and the softmax weights rounded to
//   f16, as llama.cpp does). A weight computed in f32 can round to the
//   neighbouring f16 value of the float64 one: one f16 step, 2^-11 ≈ 4.9e-4 of
//   that weight. Typically ~1e-5 overall; when one key dominates a single
//   query (nq = 1) a flip of its weight alone moves the output by up to that
//   step (1.2e-4 seen), hence the bound. And <= 2e-3
//   against the reference on the unrounded inputs (f16 has a relative
//   precision of 2^-11 ≈ 4.9e-4 per element).
// - the scalar and AVX2 results agree to 1e-5 (f16 variant: 5e-4, for the same
//   rounding reason), and the result does not depend
//   on the thread count (bit for bit).
// - outputs are poisoned with NaN first, so an element never written fails the
//   check; the gaps between padded output rows must stay untouched. Inputs end
//   right before an inaccessible page, so reading past the last key crashes.
#include "check.h"
#include <sys/mman.h>
#include <unistd.h>

#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/cpu/attention.h"
#include "backend/cpu/thread_pool.h"
#include "formats/half.h"

namespace {

using namespace llava;

using llava_test::check;

// n elements of T whose last one sits right before a PROT_NONE page.
template <typename T>
class guarded_buffer {
public:
    explicit guarded_buffer(size_t n) : n_(n) {
        const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        const size_t bytes = n * sizeof(T);
        data_pages_ = (bytes + page - 1) / page;
        map_bytes_ = (data_pages_ + 1) * page;
        void* map = mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED) throw std::runtime_error("mmap failed");
        base_ = static_cast<uint8_t*>(map);
        if (mprotect(base_ + data_pages_ * page, page, PROT_NONE) != 0) {
            munmap(base_, map_bytes_);
            throw std::runtime_error("mprotect failed");
        }
        data_ = reinterpret_cast<T*>(base_ + data_pages_ * page - bytes);
    }
    ~guarded_buffer() { munmap(base_, map_bytes_); }
    guarded_buffer(const guarded_buffer&) = delete;
    guarded_buffer& operator=(const guarded_buffer&) = delete;

    T* data() { return data_; }
    const T* data() const { return data_; }
    size_t size() const { return n_; }
    T& operator[](size_t i) { return data_[i]; }
    const T& operator[](size_t i) const { return data_[i]; }

private:
    size_t n_;
    size_t data_pages_ = 0;
    size_t map_bytes_ = 0;
    uint8_t* base_ = nullptr;
    T* data_ = nullptr;
};

struct test_case {
    int64_t n_queries, n_keys, n_head, n_head_kv, head_dim;
    bool causal;
    bool padded;         // row strides longer than the rows
    float input_spread;  // standard deviation of q (k is N(0,1)): larger means peakier softmax
};

std::string describe(const test_case& c) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s nq=%" PRId64 " nk=%" PRId64 " heads=%" PRId64 "/%" PRId64 " hd=%" PRId64 "%s%s",
                  c.causal ? "causal" : "bidir", c.n_queries, c.n_keys, c.n_head, c.n_head_kv, c.head_dim,
                  c.padded ? " padded" : "", c.input_spread != 1.0f ? " peaky" : "");
    return buf;
}

double round_f16(double x) { return f16_to_f32(f32_to_f16(static_cast<float>(x))); }

// out[m][h][d] in float64, straight from the definition. With
// `round_probabilities` the softmax weights are rounded to f16 before the value
// sum, as the f16 variant does after llama.cpp.
std::vector<double> reference(const attention_params& p, const std::vector<double>& q, const std::vector<double>& k,
                              const std::vector<double>& v, bool round_probabilities = false) {
    const int64_t n_rep = p.n_head / p.n_head_kv;
    const int64_t hd = p.head_dim;
    std::vector<double> out(static_cast<size_t>(p.n_queries * p.n_head * hd), 0.0);
    std::vector<double> scores(static_cast<size_t>(p.n_keys));
    for (int64_t m = 0; m < p.n_queries; ++m) {
        const int64_t visible = p.causal ? p.n_keys - p.n_queries + m + 1 : p.n_keys;
        for (int64_t h = 0; h < p.n_head; ++h) {
            const int64_t g = h / n_rep;
            const double* qr = &q[static_cast<size_t>((m * p.n_head + h) * hd)];
            double max = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < visible; ++j) {
                const double* kj = &k[static_cast<size_t>((j * p.n_head_kv + g) * hd)];
                double dot = 0.0;
                for (int64_t d = 0; d < hd; ++d) dot += qr[d] * kj[d];
                scores[static_cast<size_t>(j)] = dot * p.scale;
                max = std::max(max, scores[static_cast<size_t>(j)]);
            }
            double sum = 0.0;
            for (int64_t j = 0; j < visible; ++j) {
                scores[static_cast<size_t>(j)] = std::exp(scores[static_cast<size_t>(j)] - max);
                sum += scores[static_cast<size_t>(j)];
            }
            double* o = &out[static_cast<size_t>((m * p.n_head + h) * hd)];
            for (int64_t j = 0; j < visible; ++j) {
                const double exact = scores[static_cast<size_t>(j)] / sum;
                const double w = round_probabilities ? round_f16(exact) : exact;
                const double* vj = &v[static_cast<size_t>((j * p.n_head_kv + g) * hd)];
                for (int64_t d = 0; d < hd; ++d) o[d] += w * vj[d];
            }
        }
    }
    return out;
}


// Dense [rows][heads·hd] values copied into a strided buffer.
template <typename T, typename F>
void scatter(const std::vector<double>& dense, int64_t rows, int64_t width, int64_t stride, guarded_buffer<T>& dst,
             F convert) {
    for (int64_t i = 0; i < rows; ++i) {
        for (int64_t c = 0; c < width; ++c) {
            dst[static_cast<size_t>(i * stride + c)] = convert(dense[static_cast<size_t>(i * width + c)]);
        }
    }
}

struct run_result {
    std::vector<float> out;  // dense [n_queries][n_head·hd]
    bool gaps_intact = true;
};

constexpr float gap_sentinel = 1234.5f;

template <typename T, typename Fn>
run_result run_once(const attention_params& p, guarded_buffer<float>& out, Fn&& attend) {
    const int64_t width = p.n_head * p.head_dim;
    for (int64_t i = 0; i < p.n_queries; ++i) {
        for (int64_t c = 0; c < p.out_stride; ++c) {
            out[static_cast<size_t>(i * p.out_stride + c)] =
                c < width ? std::numeric_limits<float>::quiet_NaN() : gap_sentinel;
        }
    }
    attend();
    run_result r;
    r.out.resize(static_cast<size_t>(p.n_queries * width));
    for (int64_t i = 0; i < p.n_queries; ++i) {
        for (int64_t c = 0; c < p.out_stride; ++c) {
            const float x = out[static_cast<size_t>(i * p.out_stride + c)];
            if (c < width) {
                r.out[static_cast<size_t>(i * width + c)] = x;
            } else if (x != gap_sentinel) {
                r.gaps_intact = false;
            }
        }
    }
    return r;
}

// ‖a − b‖₂ / ‖b‖₂; NaN anywhere in a makes it NaN (and every check fail).
template <typename A, typename B>
double rel_error(const std::vector<A>& a, const std::vector<B>& b) {
    double diff = 0.0, norm = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
        diff += d * d;
        norm += static_cast<double>(b[i]) * static_cast<double>(b[i]);
    }
    return std::sqrt(diff) / std::sqrt(norm);
}

const char* kernel_name(attention_kernel k) {
    return k == attention_kernel::avx512 ? "avx512" : k == attention_kernel::avx2 ? "avx2" : "scalar";
}

void run_case(const test_case& c, std::mt19937_64& rng, std::vector<std::unique_ptr<thread_pool>>& pools) {
    attention_params p{};
    p.n_queries = c.n_queries;
    p.n_keys = c.n_keys;
    p.n_head = c.n_head;
    p.n_head_kv = c.n_head_kv;
    p.head_dim = c.head_dim;
    p.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
    p.causal = c.causal;
    const int64_t q_width = c.n_head * c.head_dim;
    const int64_t kv_width = c.n_head_kv * c.head_dim;
    p.q_stride = q_width + (c.padded ? 5 : 0);
    p.kv_stride = kv_width + (c.padded ? 3 : 0);
    p.out_stride = q_width + (c.padded ? 7 : 0);

    // Inputs, exactly representable in f32.
    std::normal_distribution<float> normal(0.0f, 1.0f);
    auto draw = [&](int64_t n, float spread) {
        std::vector<double> x(static_cast<size_t>(n));
        for (double& e : x) e = static_cast<double>(spread * normal(rng));
        return x;
    };
    const std::vector<double> q = draw(c.n_queries * q_width, c.input_spread);
    const std::vector<double> k = draw(c.n_keys * kv_width, 1.0f);
    const std::vector<double> v = draw(c.n_keys * kv_width, 1.0f);
    auto rounded = [](std::vector<double> x) {
        for (double& e : x) e = round_f16(e);
        return x;
    };
    const std::vector<double> ref = reference(p, q, k, v);
    const std::vector<double> ref_rounded = reference(p, rounded(q), rounded(k), rounded(v), true);

    // Strided buffers ending at a guard page. The stride gaps hold garbage.
    guarded_buffer<float> q_buf(static_cast<size_t>(c.n_queries * p.q_stride));
    guarded_buffer<float> k32(static_cast<size_t>(c.n_keys * p.kv_stride));
    guarded_buffer<float> v32(static_cast<size_t>(c.n_keys * p.kv_stride));
    guarded_buffer<uint16_t> k16(static_cast<size_t>(c.n_keys * p.kv_stride));
    guarded_buffer<uint16_t> v16(static_cast<size_t>(c.n_keys * p.kv_stride));
    guarded_buffer<float> out(static_cast<size_t>(c.n_queries * p.out_stride));
    for (size_t i = 0; i < q_buf.size(); ++i) q_buf[i] = 777.0f;
    for (size_t i = 0; i < k32.size(); ++i) k32[i] = v32[i] = 777.0f;
    for (size_t i = 0; i < k16.size(); ++i) k16[i] = v16[i] = f32_to_f16(777.0f);
    auto to_float = [](double x) { return static_cast<float>(x); };
    auto to_half = [](double x) { return f32_to_f16(static_cast<float>(x)); };
    scatter(q, c.n_queries, q_width, p.q_stride, q_buf, to_float);
    scatter(k, c.n_keys, kv_width, p.kv_stride, k32, to_float);
    scatter(v, c.n_keys, kv_width, p.kv_stride, v32, to_float);
    scatter(k, c.n_keys, kv_width, p.kv_stride, k16, to_half);
    scatter(v, c.n_keys, kv_width, p.kv_stride, v16, to_half);

    std::vector<attention_kernel> kernels = {attention_kernel::scalar};
    if (attention_kernel_available(attention_kernel::avx2)) kernels.push_back(attention_kernel::avx2);
    if (attention_kernel_available(attention_kernel::avx512)) kernels.push_back(attention_kernel::avx512);
    const std::string what = describe(c);

    for (const bool f16 : {false, true}) {
        const char* variant = f16 ? "f16" : "f32";
        std::vector<std::vector<float>> first_of_kernel;
        for (const attention_kernel kernel : kernels) {
            std::vector<float> first;
            for (const auto& pool : pools) {
                const run_result r = run_once<float>(p, out, [&] {
                    if (f16) {
                        cpu_attention_f16(*pool, p, kernel, q_buf.data(), k16.data(), v16.data(), out.data());
                    } else {
                        cpu_attention_f32(*pool, p, kernel, q_buf.data(), k32.data(), v32.data(), out.data());
                    }
                });
                char line[320];
                bool ok;
                if (f16) {
                    const double err = rel_error(r.out, ref_rounded);
                    const double err_exact = rel_error(r.out, ref);
                    ok = err <= 5e-4 && err_exact <= 2e-3 && r.gaps_intact;
                    std::snprintf(line, sizeof line,
                                  "%s %-6s t=%d %s: err vs f16-rounded ref %.2e (tol 5e-4), vs exact %.2e (tol 2e-3)%s",
                                  variant, kernel_name(kernel), pool->size(), what.c_str(), err, err_exact,
                                  r.gaps_intact ? "" : ", output gaps overwritten");
                } else {
                    const double err = rel_error(r.out, ref);
                    ok = err <= 1e-5 && r.gaps_intact;
                    std::snprintf(line, sizeof line, "%s %-6s t=%d %s: err %.2e (tol 1e-5)%s", variant,
                                  kernel_name(kernel), pool->size(), what.c_str(), err,
                                  r.gaps_intact ? "" : ", output gaps overwritten");
                }
                check(ok, line);
                if (first.empty()) {
                    first = r.out;
                } else {
                    const bool same = std::memcmp(first.data(), r.out.data(), first.size() * sizeof(float)) == 0;
                    std::snprintf(line, sizeof line, "%s %-6s t=%d %s: identical to t=1", variant,
                                  kernel_name(kernel), pool->size(), what.c_str());
                    check(same, line);
                }
            }
            first_of_kernel.push_back(first);
        }
        for (size_t i = 1; i < first_of_kernel.size(); ++i) {
            const double diff = rel_error(first_of_kernel[i], first_of_kernel[0]);
            const double tol = std::strcmp(variant, "f16") == 0 ? 5e-4 : 1e-5;
            char line[320];
            std::snprintf(line, sizeof line, "%s %s vs scalar %s: rel diff %.2e (tol %.0e)", variant,
                          kernel_name(kernels[i]), what.c_str(), diff, tol);
            check(diff <= tol, line);
        }
    }
}

void check_invalid_arguments(thread_pool& pool) {
    attention_params p{};
    p.n_queries = 1;
    p.n_keys = 1;
    p.n_head = 3;
    p.n_head_kv = 2;  // 3 query heads cannot share 2 kv heads
    p.head_dim = 4;
    p.scale = 0.5f;
    p.q_stride = p.out_stride = 12;
    p.kv_stride = 8;
    std::vector<float> q(12), kv(8), out(12);
    bool threw = false;
    try {
        cpu_attention_f32(pool, p, q.data(), kv.data(), kv.data(), out.data());
    } catch (const std::invalid_argument&) {
        threw = true;
    }
    check(threw, "n_head not a multiple of n_head_kv throws std::invalid_argument");
}

// Causal with fewer keys than queries: the early queries see no key at all
// and must come out as zeros (not 0/0); the last one sees the only key.
void check_queries_without_keys(thread_pool& pool) {
    attention_params p{};
    p.n_queries = 3;
    p.n_keys = 1;
    p.n_head = p.n_head_kv = 1;
    p.head_dim = 4;
    p.scale = 0.5f;
    p.causal = true;
    p.q_stride = p.kv_stride = p.out_stride = 4;
    const std::vector<float> q(12, 1.0f), k = {1, 2, 3, 4}, v = {5, 6, 7, 8};
    std::vector<float> out(12, std::numeric_limits<float>::quiet_NaN());
    cpu_attention_f32(pool, p, q.data(), k.data(), v.data(), out.data());
    const std::vector<float> expected = {0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 7, 8};
    check(out == expected, "causal, 3 queries over 1 key: unseeing queries give zeros, the last gives v");
}

} // namespace

int main(int argc, char** argv) {
    const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : std::random_device{}();
    std::printf("seed %" PRIu64 " (rerun with: attention_test %" PRIu64 ")\n", seed, seed);
    std::printf("AVX2 kernels %s; AVX-512 (llama.cpp-exact f16) kernels %s\n",
                attention_kernel_available(attention_kernel::avx2) ? "available, tested" : "unavailable",
                attention_kernel_available(attention_kernel::avx512) ? "available, tested" : "unavailable");
    std::mt19937_64 rng(seed);

    std::vector<std::unique_ptr<thread_pool>> pools;
    for (int n = 1; n <= 3; ++n) pools.push_back(std::make_unique<thread_pool>(n));

    // n_queries ∈ {1, 5, 64, 577}; n_head / n_head_kv ∈ {1, 2, 4, 8};
    // head_dim ∈ {8, 64, 128, 80} plus odd sizes; n_keys = n_queries (a fresh
    // prompt), odd, and on either side of the 64-key block boundary.
    const test_case cases[] = {
        // n_q  n_k  heads kv  hd  causal padded spread
        {1, 1, 4, 4, 64, true, false, 1.0f},       // one key
        {1, 777, 32, 4, 64, true, false, 1.0f},    // decode, TinyLlama heads
        {1, 300, 8, 8, 128, true, true, 1.0f},     // decode, LLaMA-style MHA
        {1, 131, 8, 2, 80, false, false, 1.0f},
        {1, 65, 6, 3, 37, true, false, 1.0f},      // odd head_dim: partial vectors
        {5, 5, 4, 2, 8, true, false, 1.0f},        // fresh prompt
        {5, 133, 8, 1, 128, true, false, 1.0f},
        {5, 64, 3, 3, 200, false, true, 1.0f},
        {64, 64, 8, 4, 64, true, false, 1.0f},
        {64, 201, 4, 1, 80, true, true, 1.0f},
        {64, 97, 2, 2, 8, false, false, 1.0f},
        {64, 129, 8, 8, 64, true, false, 4.0f},    // sharp softmax: the running max moves
        {577, 577, 4, 4, 64, false, false, 1.0f},  // ViT shape (fewer heads)
        {577, 577, 8, 1, 128, true, false, 1.0f},  // fresh prompt, GQA 8
        {577, 611, 4, 2, 80, true, true, 1.0f},
        {577, 577, 2, 2, 13, false, false, 3.0f},
    };

    try {
        for (const test_case& c : cases) run_case(c, rng, pools);
        check_invalid_arguments(*pools[0]);
        check_queries_without_keys(*pools[1]);
    } catch (const std::exception& e) {
        check(false, std::string("unexpected exception: ") + e.what());
    }

    return llava_test::finish();
}
